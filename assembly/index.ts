// The kernel module's exports. Pure compute on byte offsets into the (imported) linear memory:
// no allocation and no I/O. The only static data are AssemblyScript's math tables (for exp/log),
// below heap_base(); re-instantiating the module in another thread rewrites the same bytes there,
// so one module serves several threads over one shared memory.
export { gemm_nn, gemm_tn, gemm_nt, transpose, gemm_work_floats } from "./gemm";
export { spmm, spmm_t, masked_grad, csr_gather, csr_scatter } from "./sparse";
export { fill, add_to, scale, mask_apply, bias_act, bias_grad, relu, add_relu, relu_backward, relu_bias_grad } from "./elementwise";
export { softmax_xent, argmax, count_correct } from "./loss";
export { sgd, adam } from "./optim";
export { dropout_forward, mul } from "./random";
export { gather_images } from "./input";
export { pad_chwn, unpad_chwn, pad_phase_w, unpad_phase_w, im2col, col2im, sconv_fwd, sconv_dw, sconv_scatter, gather_values } from "./conv";
export { wino_weights, wino_weight_grad, wino_forward, wino_backward, wino_plane_floats } from "./winograd";
export { maxpool2_fwd, maxpool2_bwd, avgpool_fwd, avgpool_bwd } from "./pool";
export { channel_col_moments, channel_col_grad_sums, channel_col_grad_sums_relu, bn_apply, bn_backward, bn_backward_relu } from "./norm";

/** The end of the module's static data (math tables): linear memory below it is not ours to use. */
export function heap_base(): usize {
  return __heap_base;
}
