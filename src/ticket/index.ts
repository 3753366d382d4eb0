// Shipping a ticket: the file format, the encoder and the inference API. Nothing here needs the
// training code or Node modules (kernels, layers and the model registry only), so a bundler can
// take this entry point into a browser.
export {
  TICKET_FORMAT,
  TICKET_VERSION,
  TicketError,
  type TicketErrorCode,
  type TicketManifest,
  type ParamEntry,
  type CsrEntry,
  type DenseEntry,
  type Normalization,
  type RecordedAccuracy,
  type TrainingRecord,
  type ValueType,
  type IndexType,
  type KernelPreference,
  type Section,
} from "./format.js";
export { readContainer, replaceManifest, type TicketContainer } from "./container.js";
export { encodeTicket, ticketParams, denseBytes, type TicketSpec, type TicketParamSource, type TicketParamDeclaration } from "./encode.js";
export { loadTicket, type LoadTicketOptions } from "./load.js";
export { encodeTrainedTicket, type TrainedTicketOptions, type TicketDataset } from "./trained.js";
export { defaultBatchSize, softmax, Ticket, type Classification, type Accuracy } from "./ticket.js";
export { inputAffine } from "./input.js";
export { roundToHalf } from "./f16.js";
