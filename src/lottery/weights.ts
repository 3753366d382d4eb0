/** Named parameter values (dense), as the store and the network exchange them. */
export type Weights = ReadonlyMap<string, Float32Array>;
