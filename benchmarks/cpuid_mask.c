/* An LD_PRELOAD library that makes this process see fewer x86 extensions.
 *
 * ONNX Runtime, NumPy and oneDNN choose their kernels from the CPUID instruction when
 * they load. Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID) turns every CPUID into
 * a SIGSEGV; the handler below runs the real instruction, clears the bits of the hidden
 * extensions and resumes after it. So one machine can run the kernels another machine
 * would run, natively and at full speed.
 *
 * CPUID_MASK_LEVEL=1  hide AVX-512 (all), VNNI (AVX-512 and AVX), AMX: an AVX2 machine
 * CPUID_MASK_LEVEL=2  also hide AVX, AVX2, FMA and F16C: an SSE4.2 machine
 *
 * Exits with status 97 when the kernel or CPU does not support CPUID faulting.
 * Build: cc -O2 -shared -fPIC -o cpuid_mask.so cpuid_mask.c
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define BIT(n) (1u << (n))

static int level;

static void faulting(int on) { syscall(SYS_arch_prctl, ARCH_SET_CPUID, on ? 0 : 1); }

static void hide(uint32_t leaf, uint32_t subleaf, uint32_t r[4]) {
    if (leaf == 1 && level >= 2) /* ECX: FMA, AVX, F16C */
        r[2] &= ~(BIT(12) | BIT(28) | BIT(29));
    if (leaf == 7 && subleaf == 0) {
        /* EBX: AVX512 F, DQ, IFMA, PF, ER, CD, BW, VL */
        r[1] &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31));
        /* ECX: AVX512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
        r[2] &= ~(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14));
        /* EDX: AVX512 4VNNIW, 4FMAPS, VP2INTERSECT, AMX-BF16, AVX512-FP16, AMX-TILE, AMX-INT8 */
        r[3] &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(23) | BIT(24) | BIT(25));
        if (level >= 2) r[1] &= ~BIT(5); /* EBX: AVX2 */
    }
    if (leaf == 7 && subleaf == 1) {
        r[0] &= ~(BIT(4) | BIT(5) | BIT(21) | BIT(23)); /* AVX-VNNI, AVX512-BF16, AMX-FP16, AVX-IFMA */
        r[3] &= ~(BIT(4) | BIT(5) | BIT(19));            /* AVX-VNNI-INT8, AVX-NE-CONVERT, AVX10 */
    }
    if (leaf == 0xd && subleaf == 0) /* supported XSAVE state: opmask/ZMM, AMX tiles */
        r[0] &= ~(BIT(5) | BIT(6) | BIT(7) | BIT(17) | BIT(18));
}

static void on_fault(int signal_number, siginfo_t *info, void *context) {
    (void)info;
    greg_t *regs = ((ucontext_t *)context)->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)regs[REG_RIP];
    if (ip[0] != 0x0f || ip[1] != 0xa2) { /* a real crash: let it happen */
        signal(signal_number, SIG_DFL);
        return;
    }
    uint32_t r[4], leaf = (uint32_t)regs[REG_RAX], subleaf = (uint32_t)regs[REG_RCX];
    faulting(0);
    __cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
    faulting(1);
    hide(leaf, subleaf, r);
    regs[REG_RAX] = r[0];
    regs[REG_RBX] = r[1];
    regs[REG_RCX] = r[2];
    regs[REG_RDX] = r[3];
    regs[REG_RIP] += 2;
}

__attribute__((constructor)) static void start(void) {
    const char *value = getenv("CPUID_MASK_LEVEL");
    level = value ? atoi(value) : 1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &action, NULL);
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0) {
        perror("cpuid_mask: CPUID faulting (arch_prctl ARCH_SET_CPUID) is unavailable");
        _exit(97);
    }
}
