// The paper's own numbers, from its text (not read off its figures): Frankle & Carbin, "The Lottery
// Ticket Hypothesis", ICLR 2019, arXiv 1803.03635v5. Sections 2-3 (LeNet-300-100, Conv-2/4/6), the
// dropout paragraph of section 3, section 4 (VGG-19, ResNet) and appendix I.1. src/report/paper.ts
// puts experiments beside them.

/** What the paper's text reports for one network (iterative pruning, reset to θ0, five trials). */
export interface PaperClaims {
  /** The paper's name of the network and where the numbers are. */
  network: string;
  section: string;
  dataset: string;
  /** The paper's training length per level and evaluation spacing. */
  iterations: number;
  evalEvery: number;
  /** At best, tickets reach minimum validation loss `factor` times sooner than the dense network, at Pm `pm`. */
  earlyStop: { factor: number; pm: number; text: string };
  /** At best, tickets' test accuracy at early stop is `pp` points above the dense network's, at Pm `pm`. */
  accuracyGain: { pp: number; pm: number; text: string };
  /** Tickets stay at or above the dense network's test accuracy down to Pm `pm`. */
  aboveDense: { pm: number; text: string };
  /** Tickets against their reinit controls at Pm `pm`. */
  reinit: { pm: number; text: string };
  /** Tickets' test accuracy at the end of training (the dense network's last iteration) against the dense network's. */
  finalAccuracy: string;
}

const CONV = { dataset: "cifar10", evalEvery: 100, section: "3 and Figure 5" } as const;
const ABOVE_2 = { pm: 0.02, text: "above dense while Pm > 2% (all three Conv networks)" } as const;
const CONV_REINIT = "learn more and more slowly and test lower as they are pruned (no number in the text)";
/** Figure 5, bottom right: the text gives no number. */
const convFinal = (iterations: string) =>
  `higher than dense at iteration ${iterations}, where every network with Pm ≥ 2% has 100% training accuracy (Figure 5; no number in the text)`;

/** Conv-2/4/6 (section 3): the same claims with each network's early-stop factor and accuracy gain, at their Pm. */
function convClaims(network: string, iterations: number, [factor, esPm]: [number, number], [gain, gainPm]: [number, number]): PaperClaims {
  const pct = (pm: number) => `${+(pm * 100).toFixed(1)}%`;
  return {
    network,
    ...CONV,
    iterations,
    earlyStop: { factor, pm: esPm, text: `${factor}x at Pm ${pct(esPm)}` },
    accuracyGain: { pp: gain, pm: gainPm, text: `+${gain} pp at Pm ${pct(gainPm)}` },
    aboveDense: ABOVE_2,
    reinit: { pm: esPm, text: CONV_REINIT },
    finalAccuracy: convFinal(iterations.toLocaleString("en-US")),
  };
}

/** The paper's numbers by registered model name, from its text (not read off its figures). */
export const PAPER_CLAIMS: Readonly<Record<string, PaperClaims>> = {
  lenet_300_100: {
    network: "LeNet-300-100",
    section: "2 and Figure 4",
    dataset: "mnist",
    iterations: 50_000,
    evalEvery: 100,
    earlyStop: { factor: 1 / (1 - 0.38), pm: 0.21, text: "38% sooner (1.61x) at Pm 21%" },
    accuracyGain: { pp: 0.3, pm: 0.135, text: "more than +0.3 pp at Pm 13.5%" },
    aboveDense: { pm: 0.036, text: "back to the dense accuracy at Pm 3.6%" },
    reinit: { pm: 0.21, text: "tickets stop 2.51x sooner and test 0.5 pp higher at Pm 21%" },
    finalAccuracy: "up to +0.35 pp at iteration 50,000, where almost every network has 100% training accuracy",
  },
  conv2: convClaims("Conv-2", 20_000, [3.5, 0.088], [3.4, 0.046]),
  conv4: convClaims("Conv-4", 25_000, [3.5, 0.092], [3.5, 0.111]),
  conv6: convClaims("Conv-6", 30_000, [2.5, 0.151], [3.3, 0.264]),
};

/** The paper's dropout numbers (section 3, "Dropout"): each network trained with dropout 0.5 against itself without. */
export interface DropoutClaims {
  /** The registered models: without and with dropout. */
  plain: string;
  dropout: string;
  network: string;
  /** Dropout raises the dense network's test accuracy by this much (pp, mean). */
  denseGain: number;
  /** Iterative pruning raises the accuracy with dropout further, by up to this much (pp, mean). */
  furtherGain: number;
  /** The learning rate the paper trained the dropout network at (Figure 6). */
  lr: number;
}

/** The paper's dropout numbers by the registered dropout model's name. */
export const PAPER_DROPOUT_CLAIMS: Readonly<Record<string, DropoutClaims>> = {
  conv2_dropout: { plain: "conv2", dropout: "conv2_dropout", network: "Conv-2", denseGain: 2.1, furtherGain: 2.3, lr: 3e-4 },
  conv4_dropout: { plain: "conv4", dropout: "conv4_dropout", network: "Conv-4", denseGain: 3.0, furtherGain: 4.6, lr: 2e-4 },
  conv6_dropout: { plain: "conv6", dropout: "conv6_dropout", network: "Conv-6", denseGain: 2.4, furtherGain: 4.7, lr: 2e-4 },
};

/** What the paper found for a deep network at one learning rate (section 4): with or without warmup. */
export interface RateClaim {
  lr: number;
  warmup: boolean;
  /** Its finding in words, e.g. "no winning tickets: no better than reinit". */
  text: string;
  /** Its best ticket, where the text gives one. */
  best?: string;
}

/** The paper's section 4 for VGG-19 or ResNet-20: iterative global pruning, sensitive to the learning rate. */
export interface DeepClaims {
  network: string;
  section: string;
  iterations: number;
  /** When it reports accuracy (not early stop: for these networks it is entangled with the schedule). */
  measuredAt: string;
  rates: RateClaim[];
}

/** The paper's section 4 by registered model name (its "Resnet-18" is the 20-layer CIFAR-10 ResNet, `resnet20`). */
export const PAPER_DEEP_CLAIMS: Readonly<Record<string, DeepClaims>> = {
  vgg19: {
    network: "VGG-19",
    section: "4 and Figure 7",
    iterations: 112_480,
    measuredAt: "30K, 60K and 112K iterations",
    rates: [
      { lr: 0.1, warmup: false, text: "no winning tickets: the pruned networks do no better than when reinitialized" },
      { lr: 0.01, warmup: false, text: "the subnetworks stay within 1 pp of the dense accuracy while Pm ≥ 3.5% (not winning tickets: they do not reach it)" },
      { lr: 0.1, warmup: true, text: "with a 10,000-iteration warmup, winning tickets above the dense accuracy while Pm ≥ 1.5%" },
    ],
  },
  resnet20: {
    network: "ResNet-20",
    section: "4 and Figure 8",
    iterations: 30_000,
    measuredAt: "10K, 20K and 30K iterations",
    rates: [
      { lr: 0.1, warmup: false, text: "no winning tickets" },
      {
        lr: 0.01,
        warmup: false,
        text: "winning tickets, but below the dense network at rate 0.1 (90.5%)",
        best: "89.5% while 41.7% ≥ Pm ≥ 21.9%",
      },
      { lr: 0.03, warmup: true, text: "with a 20,000-iteration warmup, winning tickets while Pm ≥ 11.8%", best: "90.5% at Pm 27.1%" },
    ],
  },
};
