// The kernel module's exports. Pure compute on byte offsets into the (imported) linear memory:
// no allocation, no I/O, no static data, so one module can be instantiated by several threads
// over one shared memory.
export { gemm_nn, gemm_tn, gemm_nt, transpose, gemm_work_floats } from "./gemm";
export { spmm, spmm_t, masked_grad, csr_gather, csr_scatter } from "./sparse";
export { fill, add_to, scale, mask_apply, bias_act, bias_grad, relu, relu_backward } from "./elementwise";
export { softmax_xent, argmax, count_correct } from "./loss";
export { sgd, adam } from "./optim";
export { dropout_forward, mul } from "./random";
export { gather_images } from "./input";
