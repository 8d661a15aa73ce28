// Types of model-filter.js (served to the browser as is) for its tests.
export declare const noModelLabel: string;
export declare function modelParam(model: string | null): string;
export declare function toggleModel(selected: string[] | null, allModels: string[], model: string, checked: boolean): string[] | null;
export declare function selectionText(selected: string[] | null, options: Array<{ key: string; label: string }>): string;
export declare function renderModelFilter(options: {
  list: unknown;
  summary: unknown;
  models: Array<{ model: string | null; label: string; colour: string }>;
  selected: string[] | null;
  onChange: (next: string[] | null) => void;
}): void;
