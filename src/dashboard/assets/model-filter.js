// The model filter: a checkbox per model of the period (with its series colour), "only" to show one
// model, and "All models". It holds no state: it draws the current selection and reports the next one.

/** The label of requests recorded without a model (the summary's labels say the same). */
export const noModelLabel = '(no model)';

/** The summary's model key (null: requests without a model) as the page keeps it in the URL (''). */
export const modelParam = (model) => model ?? '';

/**
 * The selection after toggling one model. `selected` is null for every model; choosing every model
 * again is null too, so new models keep appearing; the last shown model cannot be unchecked.
 */
export function toggleModel(selected, allModels, model, checked) {
  const current = new Set(selected ?? allModels);
  if (checked) current.add(model);
  else if (current.size > 1) current.delete(model);
  const next = [...current].sort();
  return next.length === allModels.length && allModels.every((each) => current.has(each)) ? null : next;
}

/** "all", a model's label, or "3 of 12". */
export function selectionText(selected, options) {
  if (selected === null) return 'all';
  if (selected.length === 1) return options.find((option) => option.key === selected[0])?.label ?? selected[0];
  return `${selected.length} of ${options.length}`;
}

/**
 * Draws the filter into `list` (a <ul>) and its summary into `summary`.
 * @param {{ list: HTMLElement, summary: HTMLElement, models: Array<{ model: string | null, label: string, colour: string }>,
 *   selected: string[] | null, onChange: (next: string[] | null) => void }} options
 */
export function renderModelFilter({ list, summary, models, selected, onChange }) {
  const options = models.map((model) => ({ key: modelParam(model.model), label: model.label, colour: model.colour }));
  // A model of the URL without usage in this period stays listed, so it can be unchecked.
  for (const key of selected ?? []) {
    if (!options.some((option) => option.key === key)) options.push({ key, label: key === '' ? noModelLabel : key, colour: null });
  }
  const allModels = options.map((option) => option.key);
  const shown = new Set(selected ?? allModels);
  const items = options.map((option) => {
    const item = document.createElement('li');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = shown.has(option.key);
    box.disabled = box.checked && shown.size === 1;
    box.dataset.model = option.key;
    box.addEventListener('change', () => onChange(toggleModel(selected, allModels, option.key, box.checked)));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.setAttribute('aria-hidden', 'true');
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    if (option.colour) swatch.style.backgroundColor = option.colour;
    const name = document.createElement('span');
    name.textContent = option.label;
    label.append(box, swatch, name);
    const only = document.createElement('button');
    only.type = 'button';
    only.className = 'only';
    only.textContent = 'only';
    only.setAttribute('aria-label', `Show only ${option.label}`);
    only.addEventListener('click', () => onChange([option.key]));
    item.append(label, only);
    return item;
  });
  list.replaceChildren(...items);
  summary.textContent = selectionText(selected, options);
}
