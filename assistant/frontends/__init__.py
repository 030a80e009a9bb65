"""Front ends (CLI, chat, API): thin translators between a medium and the task layer."""
