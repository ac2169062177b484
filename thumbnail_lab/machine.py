"""What a measurement was taken on: the machine, the software and the time, stored beside the numbers."""
from __future__ import annotations

import os
import platform
import time


def describe() -> dict:
    """Python, platform, CPU cores and processor, memory, torch and its threads, and the time now."""
    import psutil
    import torch

    return {"python": platform.python_version(), "platform": platform.platform(), "cpu_cores": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
