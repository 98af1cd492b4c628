// The kernels compiled for avx512 (flags in binding.gyp); see isa-impl.h.
#define LORA_ISA avx512
#define LORA_ISA_NAME "avx512"
#include "isa-impl.h"
