"""Build a tiny, randomly initialised vision-language model that vLLM and `transformers serve` both load.

Run with the model servers' venv (see .ci/install-model-servers), fully offline:

    .venv-servers/bin/python tests/tiny_vlm.py OUT_DIR [--kind qwen2-vl|llava]

Writes a Hugging Face model folder: config.json, generation_config.json, model.safetensors,
tokenizer.json + tokenizer_config.json, preprocessor_config.json / processor_config.json and
chat_template.jinja. Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few
strings, the weights come from a fixed seed. The same script builds the same files (checked by the
test suite through the cache key in tests/model_servers.py).

Kinds:
  qwen2-vl (default)  Qwen2VLForConditionalGeneration: Qwen2 text model (hidden 64, 2 layers, 2 heads
                      of 32, the smallest head size vLLM's CPU attention takes), a 2-block ViT (patch 14,
                      merge 2); an image becomes 4 to 16 tokens (56x56 to 112x112 pixels after resizing).
  llava               LlavaForConditionalGeneration: Llama text model of the same size and a 2-layer CLIP
                      vision tower on 28x28 images (4 image tokens). Its vision weights are saved under
                      `model.vision_tower.vision_model.*`, the layout of published LLaVA checkpoints, which
                      vLLM expects and transformers 5 still loads.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SEED = 1234
HIDDEN = 64
LAYERS = 2
HEADS = 2  # head size 32: vLLM's CPU attention supports 32, 64, 80, ... only

# Qwen2-VL's own chat template (ChatML with vision placeholders), as published with the model.
QWEN2_VL_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# ChatML with LLaVA's single <image> placeholder per image part.
LLAVA_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}<image>\n"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SPECIAL = {
    "qwen2-vl": [
        "<|endoftext|>",
        "<|im_start|>",
        "<|im_end|>",
        "<|vision_start|>",
        "<|vision_end|>",
        "<|image_pad|>",
        "<|video_pad|>",
    ],
    "llava": ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"],
}

# A few strings for the BPE merges: documents, receipts, OCR-ish words in a few scripts.
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Invoice number 2024-0042, total amount due: 1,234.56 EUR, payable within 30 days.",
    "Read the text in this image. Return Markdown with headings, tables and lists.",
    "Page 1 of 3. Table 2: Quarterly revenue by region (in thousands).",
    "You are a helpful assistant. Describe the document and extract the fields as JSON.",
    '{"name": "Jane Doe", "date": "2024-05-17", "items": [{"qty": 2, "price": 9.99}]}',
    "Rechnung, Datum, Betrag, Steuer. Facture, montant, date d'échéance.",
    "发票号码 金额 日期 收据  領収書 合計  영수증 합계",
    "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- item one\n- item two\n",
    "0123456789 +-*/=()[]{}<>.,;:!?'\"@#$%&_~^`|\\",
]


def build_tokenizer(kind: str):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special = SPECIAL[kind]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=special[1:],
        model_max_length=4096,
        clean_up_tokenization_spaces=False,
    )
    return wrapped


def build_qwen2_vl(tokenizer, template: str):
    from transformers import (
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL["qwen2-vl"]}
    head_dim = HIDDEN // HEADS
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": HIDDEN,
            "intermediate_size": 2 * HIDDEN,
            "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS,
            "num_key_value_heads": HEADS,
            "max_position_embeddings": 4096,
            "rms_norm_eps": 1e-6,
            # the three M-RoPE sections (time, height, width) add up to head_dim / 2
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 10000.0,
                "mrope_section": [head_dim // 8, 3 * head_dim // 16, 3 * head_dim // 16],
            },
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
            "tie_word_embeddings": False,
        },
        vision_config={
            "depth": LAYERS,
            "embed_dim": HIDDEN,
            "hidden_size": HIDDEN,  # the patch merger's output: the text model's width
            "mlp_ratio": 2,
            "num_heads": HEADS,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    model = Qwen2VLForConditionalGeneration(config)
    # 56x56 .. 112x112 pixels after resizing: 4 .. 16 image tokens per image
    size = {"shortest_edge": 56 * 56, "longest_edge": 112 * 112}
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(size=size),
        video_processor=Qwen2VLVideoProcessor(size=size),  # Qwen2VLProcessor requires one (needs torchvision)
        tokenizer=tokenizer,
        chat_template=template,
    )
    return model, processor


def build_llava(tokenizer, template: str):
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL["llava"]}
    vision = CLIPVisionConfig(
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        projection_dim=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        image_size=28,
        patch_size=14,
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        intermediate_size=2 * HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=HEADS,
        max_position_embeddings=4096,
        rms_norm_eps=1e-6,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        tie_word_embeddings=False,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=ids["<image>"],
        image_seq_length=4,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        projector_hidden_act="gelu",
        tie_word_embeddings=False,
    )
    model = LlavaForConditionalGeneration(config)
    image_processor = CLIPImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=14,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # CLIP's class token, dropped by the "default" strategy
        image_token="<image>",
        chat_template=template,
    )
    return model, processor


def rename_llava_vision_keys(out: Path) -> None:
    """Rename `vision_tower.X` (transformers 5's layout) to `vision_tower.vision_model.X` (vLLM's).

    That is the layout of every published LLaVA checkpoint, which transformers 5 still loads.
    """
    from safetensors.torch import load_file, save_file

    def rename(key: str) -> str:
        head, sep, tail = key.partition("vision_tower.")
        if sep and not tail.startswith("vision_model."):
            return f"{head}vision_tower.vision_model.{tail}"
        return key

    for f in sorted(out.glob("*.safetensors")):
        tensors = {rename(k): v.contiguous() for k, v in load_file(f).items()}
        save_file(tensors, f, metadata={"format": "pt"})
    index = out / "model.safetensors.index.json"
    if index.exists():
        data = json.loads(index.read_text())
        data["weight_map"] = {rename(k): v for k, v in data["weight_map"].items()}
        index.write_text(json.dumps(data, indent=2))


def build(out: Path, kind: str) -> Path:
    import torch
    from transformers import GenerationConfig

    torch.manual_seed(SEED)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(kind)
    if kind == "qwen2-vl":
        model, processor = build_qwen2_vl(tokenizer, QWEN2_VL_TEMPLATE)
    else:
        model, processor = build_llava(tokenizer, LLAVA_TEMPLATE)
    model = model.to(torch.bfloat16).eval()
    model.config.dtype = torch.bfloat16
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    pad = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    model.generation_config = GenerationConfig(
        bos_token_id=pad, eos_token_id=[eos, pad], pad_token_id=pad, do_sample=False
    )
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "chat_template.jinja").write_text(processor.chat_template)
    if kind == "llava":
        rename_llava_vision_keys(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--kind", choices=["qwen2-vl", "llava"], default="qwen2-vl")
    args = parser.parse_args(argv)
    out = build(args.out_dir, args.kind)
    print(f"tiny {args.kind} model written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
