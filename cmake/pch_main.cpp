// Carries the LibTorch precompiled header for executables (compiled with -fPIE).
int main() { return 0; }
