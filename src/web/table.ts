// Table cells and rows for the page's views.

export function cell(tag: 'td' | 'th', content: string | Node, scope?: 'col' | 'row'): HTMLTableCellElement {
  const element = document.createElement(tag);
  element.append(content);
  if (scope) element.scope = scope;
  return element;
}

/** A table row whose first cell heads it; `classes[i]` styles cell i. */
export function row(contents: (string | Node)[], classes: string[] = []): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(
    ...contents.map((content, i) => {
      const td = cell(i === 0 ? 'th' : 'td', content, i === 0 ? 'row' : undefined);
      if (classes[i]) td.className = classes[i]!;
      return td;
    }),
  );
  return tr;
}
