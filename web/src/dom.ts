// Tiny DOM helpers for the page's views: elements looked up by id with their expected type (a
// missing one is a bug in index.html, reported by name), and table rows built from text cells.

export function byId<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`page: #${id} is missing or not a ${type.name}`);
  return el;
}

export interface Cell {
  text: string;
  className?: string;
}

export function row(cells: readonly (string | Cell)[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    const cell = typeof c === "string" ? { text: c } : c;
    td.textContent = cell.text;
    if (cell.className) td.className = cell.className;
    tr.append(td);
  }
  return tr;
}
