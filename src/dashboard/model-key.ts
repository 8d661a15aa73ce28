import { noModelName } from '../usage/no-model.ts';

/**
 * What the page calls the requests recorded without a model: one named series, never a blank legend
 * entry (uPlot names a nameless series "Value"). The usage API answers them as one group,
 * `model: null`, so the legend and `GET /v1/usage?group_by=model` list the same groups; the label is
 * the marker the records carry.
 */
export const noModelLabel = noModelName;

/** A model as the dashboard keys it: the usage API's name, or null for requests without one. */
export type ModelKey = string | null;

/** The usage API's `model` (a name, or null for none; empty or absent from older rows) as a dashboard key. */
export function modelKeyOf(model: string | null | undefined): ModelKey {
  return model ? model : null;
}

export function modelLabel(key: ModelKey): string {
  return key ?? noModelLabel;
}
