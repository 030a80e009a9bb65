"""The Chainlit chat front end."""
