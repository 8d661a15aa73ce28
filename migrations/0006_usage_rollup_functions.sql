-- Rollup rows are updated in place all day long: room left on each page keeps those updates HOT.
ALTER TABLE "usage_rollups" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "usage_daily_rollups" SET (fillfactor = 70);--> statement-breakpoint
-- Element-wise sum of two latency histograms; the shorter one counts as padded with zeros, so a
-- histogram written with fewer buckets still adds up. PL/pgSQL rather than SQL: a SQL function's body
-- is planned again in every statement that calls it, which cost the outcome writers ~0.3 ms each.
CREATE FUNCTION usage_histogram_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  result bigint[];
  slot integer;
BEGIN
  IF a IS NULL THEN
    RETURN b;
  END IF;
  IF b IS NULL THEN
    RETURN a;
  END IF;
  IF cardinality(a) >= cardinality(b) THEN
    result := a;
    FOR slot IN 1 .. cardinality(b) LOOP
      result[slot] := result[slot] + b[slot];
    END LOOP;
  ELSE
    result := b;
    FOR slot IN 1 .. cardinality(a) LOOP
      result[slot] := result[slot] + a[slot];
    END LOOP;
  END IF;
  RETURN result;
END
$$;--> statement-breakpoint
CREATE AGGREGATE usage_histogram_sum(bigint[]) (
  SFUNC = usage_histogram_add, STYPE = bigint[], COMBINEFUNC = usage_histogram_add, PARALLEL = SAFE
);--> statement-breakpoint
-- One latency sample into its bucket. The bounds come from src/usage/latency-buckets.ts with every
-- call: width_bucket gives 0 below bounds[1] and cardinality(bounds) at or above the last bound, so a
-- histogram has cardinality(bounds) + 1 elements. A NULL sample (no start time) counts nowhere.
CREATE FUNCTION usage_latency_histogram_step(state bigint[], latency_ms double precision, bounds double precision[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  slot integer;
BEGIN
  IF state IS NULL THEN
    state := array_fill(0::bigint, ARRAY[cardinality(bounds) + 1]);
  END IF;
  IF latency_ms IS NOT NULL THEN
    slot := width_bucket(latency_ms, bounds) + 1;
    state[slot] := state[slot] + 1;
  END IF;
  RETURN state;
END
$$;--> statement-breakpoint
CREATE AGGREGATE usage_latency_histogram(double precision, double precision[]) (
  SFUNC = usage_latency_histogram_step, STYPE = bigint[], COMBINEFUNC = usage_histogram_add, PARALLEL = SAFE
);
