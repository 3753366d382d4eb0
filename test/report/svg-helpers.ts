// Checks on rendered SVG and HTML text without an XML parser dependency: tag balance, and the
// x-axis tick labels with their positions, read from the markup Vega's SVG renderer emits.

/** HTML elements that never have a closing tag. */
const VOID_ELEMENTS = new Set(["meta", "br", "hr", "img", "link", "input", "wbr"]);

/**
 * Throws unless every tag (other than HTML void elements) is closed in order. Text and attribute values must not contain a raw
 * "<", which is also what makes the markup safe to inline in HTML.
 */
export function assertBalancedXml(markup: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of markup.matchAll(tag)) {
    if (markup.slice(last, m.index).includes("<")) throw new Error(`stray "<" before offset ${m.index}`);
    last = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing || VOID_ELEMENTS.has(name!.toLowerCase())) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) throw new Error(`mismatched </${name}> at offset ${m.index}`);
  }
  if (markup.slice(last).includes("<")) throw new Error("stray < at the end");
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("> <")}>`);
}

/** The x-axis tick labels of a single-view chart, left to right. */
export function xAxisLabels(svg: string): { label: string; x: number }[] {
  const start = svg.indexOf('aria-label="X-axis');
  if (start < 0) return [];
  const section = svg.slice(start, svg.indexOf("role-axis-title", start));
  return [...section.matchAll(/<text[^>]*transform="translate\(([-\d.]+),[-\d.]+\)"[^>]*>([^<]*)<\/text>/g)]
    .map((m) => ({ label: m[2]!, x: Number(m[1]) }))
    .sort((a, b) => a.x - b.x);
}
