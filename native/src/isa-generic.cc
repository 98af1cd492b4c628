// The kernels compiled for generic (flags in binding.gyp); see isa-impl.h.
#define LORA_ISA generic
#define LORA_ISA_NAME "generic"
#include "isa-impl.h"
