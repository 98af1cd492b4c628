// The kernels compiled for avx2 (flags in binding.gyp); see isa-impl.h.
#define LORA_ISA avx2
#define LORA_ISA_NAME "avx2"
#include "isa-impl.h"
