/**
 * What a record's `model` holds when the request named none (a batch line whose stored body cannot be
 * read): the column is NOT NULL and part of the rollups' key, so "none" is this marker rather than
 * NULL, and never an empty string. Every request that names a model is recorded under that name,
 * even when the gateway refused it.
 */
export const noModelName = '(no model)';

/**
 * A rollup row's `model` as the usage API groups and answers it: NULL for requests recorded without
 * one (the marker, and the empty string older rows may hold), so they make one group, `model: null`.
 */
export const usageModelSql = `nullif(nullif(model, ''), '${noModelName}')`;
