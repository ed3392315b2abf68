    .syntax unified
    .cpu cortex-m4
    .thumb
    .section .isr_vector,"a",%progbits
    .word _estack
    .word reset_handler
    .word 0x11111111, 0x22222222
    .section .text,"ax",%progbits
    .thumb_func
    .global reset_handler
reset_handler:
    ldr r0, =data_word
    ldr r1, [r0]
    b reset_handler
    .section .rodata,"a",%progbits
    .ascii "softdfu interop test rodata with an odd length!"
    .section .data,"aw",%progbits
data_word:
    .word 0xCAFEBABE, 0x12345678
    .section .bss,"aw",%nobits
    .space 256
    .section .far,"a",%progbits
    .ascii "far away in sector 4"
