"""A stand-in for flash-linear-attention's gated delta rule kernels on the fake torch's simulated GPU."""
import torch


def fused_recurrent_gated_delta_rule(q, k, v, g=None, beta=None, initial_state=None, output_final_state=False):
    torch.launch("fla.fused_recurrent")


def chunk_gated_delta_rule(q, k, v, g=None, beta=None, output_final_state=False):
    torch.launch("fla.chunk")
