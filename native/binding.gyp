# The native kernels' addon, built by scripts/build-native.mjs (node-gyp) during `npm ci`.
# Each instruction set's kernels are their own static library with their own -m flags, so the addon
# holds all of them and picks one at run time (src/dispatch.cc): it loads on any x86-64 CPU.
{
  "target_defaults": {
    "cflags": ["-O3", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-Wno-unused-function"],
    "cflags_cc": ["-std=gnu++17"],
    "xcode_settings": {
      "OTHER_CFLAGS": ["-O3", "-ffp-contract=off", "-fno-math-errno"],
      "OTHER_CPLUSPLUSFLAGS": ["-std=gnu++17", "-O3", "-ffp-contract=off", "-fno-math-errno"]
    }
  },
  "targets": [
    {
      "target_name": "lora_lab_kernels_generic",
      "type": "static_library",
      "sources": ["src/isa-generic.cc"]
    },
    {
      "target_name": "lora_lab_native",
      "sources": ["src/addon.cc", "src/dispatch.cc", "src/gemm.cc", "src/pool.cc"],
      "dependencies": ["lora_lab_kernels_generic"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["lora_lab_kernels_avx2", "lora_lab_kernels_avx512"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "lora_lab_kernels_avx2",
          "type": "static_library",
          "sources": ["src/isa-avx2.cc"],
          "cflags": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] }
        },
        {
          "target_name": "lora_lab_kernels_avx512",
          "type": "static_library",
          "sources": ["src/isa-avx512.cc"],
          "cflags": ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx2", "-mfma"],
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mavx2", "-mfma"]
          }
        }
      ]
    }]
  ]
}
