// libFuzzer's driver entry point (compiler-rt, FuzzerInterface.h), called from each harness's
// main: SwiftPM names an executable's entry point <module>_main, so the harness provides that and
// hands control to libFuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
