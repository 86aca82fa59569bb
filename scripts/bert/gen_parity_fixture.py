"""Generate the numerical-parity fixture for src/models/bert:
  test/fixtures/bert/tiny/{config.json, model.safetensors, vocab.txt, tokenizer_config.json}
      a random BERT (vocab 100, hidden 32, 2 layers, 4 heads, FFN 64, 64 positions, 3 labels) with the tensor
      names and [out, in] Linear layout Hugging Face writes; one file holds the encoder with pooler, the
      sequence-classification head (classifier.*) and the MLM head (cls.predictions.*; decoder tied).
  test/fixtures/bert/tiny-reference.safetensors
      inputs (3 sequences of 12 with padding and token types) and the reference outputs of
      scripts/bert/torch_bert_reference.py: every hidden state, every attention map, pooled output,
      classification logits, MLM logits.

Run from the repository root (Debian python3-torch):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bert/gen_parity_fixture.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save_file  # noqa: E402
from torch_bert_reference import BertForMaskedLM, BertForSequenceClassification  # noqa: E402

torch.set_num_threads(1)
OUT = "test/fixtures/bert/tiny"
REF = "test/fixtures/bert/tiny-reference.safetensors"

CONFIG = {
    "architectures": ["BertForSequenceClassification"],
    "model_type": "bert",
    "vocab_size": 100,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
    "classifier_dropout": None,
    "id2label": {"0": "negative", "1": "neutral", "2": "positive"},
    "label2id": {"negative": 0, "neutral": 1, "positive": 2},
    "torch_dtype": "float32",
}

GRAD_PARAMS = ["bert.embeddings.word_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
               "bert.embeddings.LayerNorm.weight", "bert.encoder.layer.0.attention.self.query.weight",
               "bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.0.intermediate.dense.weight",
               "bert.encoder.layer.1.output.LayerNorm.weight", "bert.pooler.dense.weight", "classifier.weight",
               "classifier.bias"]

WORDS = ["the", "a", "movie", "film", "was", "is", "good", "bad", "great", "terrible", "not", "very", "and",
         "but", "i", "it", "this", "that", "love", "hate", "plot", "actor", "##s", "##ing", "##ed", "##ly", "un",
         "##like", "fun", "boring", ".", ",", "!", "?", "'", "cf", "mn", "bb", "tq", "mb"]


def main():
    torch.manual_seed(1234)
    cls = BertForSequenceClassification(CONFIG)
    mlm = BertForMaskedLM(CONFIG)
    # Random weights large enough that every non-linearity matters (HF's 0.02 init is nearly linear).
    with torch.no_grad():
        for name, p in list(cls.named_parameters()) + list(mlm.named_parameters()):
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn_like(p))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5 * 1.2)
        mlm.bert.load_state_dict(cls.bert.state_dict(), strict=False)  # the same encoder (MLM has no pooler)
    cls.eval()
    mlm.eval()

    sd = {k: v for k, v in cls.state_dict().items()}
    for k, v in mlm.state_dict().items():
        if k.startswith("cls.") and k != "cls.predictions.decoder.weight":  # tied: not written, as HF
            sd[k] = v
    sd.pop("cls.predictions.decoder.bias", None)  # the same tensor as cls.predictions.bias
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.detach().numpy().astype(np.float32) for k, v in sd.items()}, f"{OUT}/model.safetensors", {"format": "pt"})
    with open(f"{OUT}/config.json", "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    vocab += [f"[unused{i}]" for i in range(CONFIG["vocab_size"] - len(vocab))]
    with open(f"{OUT}/vocab.txt", "w") as f:
        f.write("\n".join(vocab) + "\n")
    with open(f"{OUT}/tokenizer_config.json", "w") as f:
        json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 64}, f, indent=2)
        f.write("\n")

    g = torch.Generator().manual_seed(7)
    B, T = 3, 12
    ids = torch.randint(5, CONFIG["vocab_size"], (B, T), generator=g)
    ids[:, 0] = 2  # [CLS]
    lens = [12, 8, 5]
    mask = torch.zeros(B, T, dtype=torch.long)
    types = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(lens):
        mask[b, :n] = 1
        ids[b, n - 1] = 3  # [SEP]
        ids[b, n:] = 0  # [PAD]
    types[0, 6:] = 1
    types[2, 3:5] = 1
    ids[1, 4] = 4  # a [MASK]

    with torch.no_grad():
        logits, pooled, hs, at = cls(ids, mask, types)
        mlm_logits, hs2, _ = mlm(ids, mask, types)
        assert all(torch.equal(a, b) for a, b in zip(hs, hs2))
        # the float64 run tells how far float32 rounding alone moves the outputs
        cls64 = BertForSequenceClassification(CONFIG).double().eval()
        cls64.load_state_dict({k: v.double() for k, v in cls.state_dict().items()})
        logits64, _, hs64, _ = cls64(ids, mask, types)
    noise = max(float((a.double() - b).abs().max()) for a, b in zip(hs + [logits], hs64 + [logits64]))

    # gradients of a fixed linear function of the logits (eval mode: no dropout)
    loss_w = torch.randn(B, len(CONFIG["id2label"]), generator=g)
    cls.zero_grad()
    out = cls(ids, mask, types)[0]
    (out * loss_w).sum().backward()
    grads = {f"grad.{k}": p.grad.numpy().copy() for k, p in cls.named_parameters() if k in GRAD_PARAMS}

    ref = {"input_ids": ids.numpy().astype(np.int32), "attention_mask": mask.numpy().astype(np.int32),
           "token_type_ids": types.numpy().astype(np.int32), "pooled_output": pooled.numpy(), "logits": logits.numpy(),
           "mlm_logits": mlm_logits.numpy()}
    ref["loss_weights"] = loss_w.numpy()
    ref.update(grads)
    for i, h in enumerate(hs):
        ref[f"hidden_states.{i}"] = h.numpy()
    for i, a in enumerate(at):
        ref[f"attentions.{i}"] = a.numpy()
    save_file(ref, REF, {"generator": "scripts/bert/gen_parity_fixture.py", "torch": torch.__version__,
                         "float32_vs_float64_max_abs": repr(noise)})
    print(f"wrote {OUT}/ and {REF}; float32 vs float64 max |diff| {noise:.3g}")
    print("logits", logits.numpy())


if __name__ == "__main__":
    main()
