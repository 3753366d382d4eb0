/**
 * The raw exports of the kernel module (see assembly/index.ts; each function is documented there).
 * Pointers are byte offsets. test/kernels/exports.test.ts checks this type against the module.
 * @internal
 */
export interface KernelExports {
  heap_base(): number;
  gemm_nn(a: number, b: number, c: number, M: number, K: number, N: number, lda: number, ldb: number, ldc: number, accumulate: boolean, work: number): void;
  gemm_tn(a: number, b: number, c: number, M: number, K: number, N: number, lda: number, ldb: number, ldc: number, accumulate: boolean, work: number): void;
  gemm_work_floats(): number;
  gemm_nt(a: number, b: number, c: number, M: number, K: number, N: number, lda: number, ldb: number, ldc: number, accumulate: boolean): void;
  transpose(src: number, dst: number, R: number, C: number): void;
  spmm(rowPtr: number, rowEnd: number, colIdx: number, values: number, x: number, y: number, M: number, K: number, N: number, accumulate: boolean): void;
  spmm_t(rowPtr: number, colIdx: number, values: number, dy: number, dx: number, M: number, K: number, N: number, accumulate: boolean): void;
  masked_grad(
    rowPtr: number,
    rowEnd: number,
    colIdx: number,
    dy: number,
    x: number,
    dvalues: number,
    M: number,
    K: number,
    N: number,
    accumulate: boolean,
  ): void;
  csr_gather(rowPtr: number, colIdx: number, dense: number, values: number, M: number, K: number): void;
  csr_scatter(rowPtr: number, colIdx: number, values: number, dense: number, M: number, K: number): void;
  fill(ptr: number, n: number, value: number): void;
  add_to(dst: number, src: number, n: number): void;
  scale(ptr: number, n: number, s: number): void;
  mask_apply(w: number, mask: number, n: number): void;
  bias_act(y: number, b: number, M: number, N: number, relu: boolean): void;
  bias_grad(dy: number, db: number, M: number, N: number, accumulate: boolean): void;
  relu(x: number, y: number, n: number): void;
  add_relu(a: number, b: number, y: number, n: number): void;
  relu_backward(y: number, dy: number, dx: number, n: number): void;
  relu_bias_grad(y: number, dy: number, db: number, M: number, N: number, accumulate: boolean): void;
  softmax_xent(logits: number, labels: number, grad: number, C: number, N: number, gradScale: number): number;
  argmax(logits: number, out: number, C: number, N: number): void;
  count_correct(logits: number, labels: number, C: number, N: number): number;
  sgd(w: number, g: number, buf: number, mask: number, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  dropout_forward(
    x: number,
    y: number,
    mask: number,
    F: number,
    N: number,
    threshold: number,
    keepScale: number,
    seed: number,
    step: number,
    colOffset: number,
    totalCols: number,
  ): void;
  mul(a: number, b: number, out: number, n: number): void;
  gather_images(images: number, indices: number, count: number, F: number, plane: number, scale: number, shift: number, dst: number, N: number): void;
  pad_chwn(x: number, xpad: number, C: number, H: number, W: number, N: number, p: number): void;
  unpad_chwn(xpad: number, x: number, C: number, H: number, W: number, N: number, p: number, accumulate: boolean): void;
  pad_phase_w(x: number, xq: number, C: number, H: number, W: number, N: number, p: number): void;
  unpad_phase_w(dxq: number, dx: number, C: number, H: number, W: number, N: number, p: number): void;
  sconv_scatter(rowPtr: number, offsets: number, values: number, dy: number, dxq: number, M: number, OH: number, OW: number, N: number, Wp: number): void;
  im2col(xpad: number, cols: number, C: number, Hp: number, Wp: number, K: number, s: number, oh0: number, R: number, OW: number, N: number): void;
  col2im(cols: number, dxpad: number, C: number, Hp: number, Wp: number, K: number, s: number, oh0: number, R: number, OW: number, N: number): void;
  sconv_fwd(
    rowPtr: number,
    groupPtr: number,
    G: number,
    offsets: number,
    values: number,
    xpad: number,
    y: number,
    tile: number,
    M: number,
    OH: number,
    OW: number,
    N: number,
    Wp: number,
    accumulate: boolean,
    bias: number,
    relu: boolean,
  ): void;
  gather_values(values: number, perm: number, out: number, n: number): void;
  sconv_dw(
    rowPtr: number,
    offsets: number,
    dy: number,
    xpad: number,
    dvalues: number,
    M: number,
    OH: number,
    OW: number,
    N: number,
    Wp: number,
    accumulate: boolean,
  ): void;
  wino_plane_floats(rows: number, cols: number): number;
  wino_weights(w: number, u: number, M: number, C: number): void;
  wino_weight_grad(du: number, dw: number, M: number, C: number, accumulate: boolean): void;
  wino_forward(
    x: number,
    u: number,
    v: number,
    mb: number,
    y: number,
    bias: number,
    C: number,
    M: number,
    OH: number,
    OW: number,
    N: number,
    Tb: number,
    relu: boolean,
    work: number,
  ): void;
  wino_backward(
    x: number,
    dy: number,
    u: number,
    v: number,
    dm: number,
    dv: number,
    du: number,
    dx: number,
    C: number,
    M: number,
    OH: number,
    OW: number,
    N: number,
    Tb: number,
    work: number,
  ): void;
  maxpool2_fwd(x: number, y: number, C: number, H: number, W: number, N: number): void;
  maxpool2_bwd(x: number, y: number, dy: number, dx: number, C: number, H: number, W: number, N: number): void;
  avgpool_fwd(x: number, y: number, C: number, P: number, N: number): void;
  avgpool_bwd(dy: number, dx: number, C: number, P: number, N: number): void;
  channel_col_moments(x: number, mean: number, m2: number, C: number, P: number, N: number): void;
  channel_col_grad_sums(dy: number, x: number, mean: number, invstd: number, out1: number, out2: number, C: number, P: number, N: number): void;
  channel_col_grad_sums_relu(
    dy: number,
    x: number,
    mean: number,
    invstd: number,
    gamma: number,
    beta: number,
    out1: number,
    out2: number,
    C: number,
    P: number,
    N: number,
  ): void;
  bn_apply(x: number, y: number, mean: number, invstd: number, gamma: number, beta: number, C: number, M: number, relu: boolean): void;
  bn_backward(
    dy: number,
    x: number,
    dx: number,
    mean: number,
    invstd: number,
    gamma: number,
    sum1: number,
    sum2: number,
    C: number,
    M: number,
    count: number,
  ): void;
  bn_backward_relu(
    dy: number,
    x: number,
    dx: number,
    mean: number,
    invstd: number,
    gamma: number,
    beta: number,
    sum1: number,
    sum2: number,
    C: number,
    M: number,
    count: number,
  ): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    mask: number,
    n: number,
    stepSize: number,
    beta1: number,
    beta2: number,
    invSqrtBc2: number,
    eps: number,
    weightDecay: number,
  ): void;
}
