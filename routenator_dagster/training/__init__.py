"""Training: SFT data formatting, QLoRA fine-tuning, the tiny local model and the CPU proxy model."""
