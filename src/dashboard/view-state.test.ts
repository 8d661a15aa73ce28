import { describe, expect, it } from 'vitest';
import { selectionText, toggleModel } from './assets/model-filter.js';
import { fromLocalInput, isoSeconds, localInputValue, parseTime, readView, summarySearch, viewSearch } from './assets/view-state.js';

describe('the view in the URL', () => {
  it('is the last 24 hours of every model without parameters, and writes no parameters for it', () => {
    const view = readView('');
    expect(view).toEqual({ period: '24h', from: null, to: null, models: null });
    expect(viewSearch(view)).toBe('');
  });

  it('reads a period and models, and writes them back in one canonical order', () => {
    const view = readView('?model=b&range=7d&model=a&model=&model=a');
    expect(view).toEqual({ period: '7d', from: null, to: null, models: ['', 'a', 'b'] });
    expect(viewSearch(view)).toBe('?range=7d&model=&model=a&model=b');
    expect(readView(viewSearch(view))).toEqual(view);
  });

  it('takes a fixed from/to over a period, and forgets an unknown period', () => {
    expect(readView('?range=7d&from=2024-06-01T00:00:00Z&to=2024-06-02')).toEqual({ period: 'custom', from: '2024-06-01T00:00:00Z', to: '2024-06-02', models: null });
    expect(readView('?range=1y').period).toBe('24h');
    expect(viewSearch({ period: 'custom', from: '2024-06-01T00:00:00Z', to: '2024-06-02T00:00:00Z', models: null })).toBe('?from=2024-06-01T00%3A00%3A00Z&to=2024-06-02T00%3A00%3A00Z');
  });

  it('asks the summary for a relative period ending now, a fixed one as written, and the models', () => {
    const now = Date.parse('2024-06-08T12:34:56.789Z');
    const to = Math.floor(now / 1000);
    expect([...new URLSearchParams(summarySearch(readView('?range=7d&model=a&model='), now)).entries()]).toEqual([
      ['from', String(to - 7 * 86_400)],
      ['to', String(to)],
      ['model', ''],
      ['model', 'a'],
    ]);
    const fixed = new URLSearchParams(summarySearch(readView('?from=2024-06-01&to=2024-06-02&model=b'), now));
    expect([...fixed.entries()]).toEqual([
      ['from', '2024-06-01'],
      ['to', '2024-06-02'],
      ['model', 'b'],
    ]);
  });

  it('reads the times the usage API takes, and round-trips a datetime-local value', () => {
    expect(parseTime('1717200000')?.toISOString()).toBe('2024-06-01T00:00:00.000Z');
    expect(parseTime('2024-06-01T10:00:00+02:00')?.toISOString()).toBe('2024-06-01T08:00:00.000Z');
    expect(parseTime('yesterday')).toBeNull();
    expect(isoSeconds(new Date('2024-06-01T10:00:00.000Z'))).toBe('2024-06-01T10:00:00Z');
    const date = new Date('2024-06-01T10:15:00Z');
    expect(fromLocalInput(localInputValue(date))).toBe('2024-06-01T10:15:00Z');
    expect(fromLocalInput('')).toBeNull();
  });
});

describe('the model filter', () => {
  const all = ['', 'a', 'b', 'c'];
  it('narrows "every model" to the others when one is unchecked, and back to every model when all are checked', () => {
    expect(toggleModel(null, all, 'b', false)).toEqual(['', 'a', 'c']);
    expect(toggleModel(['', 'a', 'c'], all, 'b', true)).toBeNull();
    expect(toggleModel(['a'], all, 'c', true)).toEqual(['a', 'c']);
  });

  it('never unchecks the last shown model', () => {
    expect(toggleModel(['a'], all, 'a', false)).toEqual(['a']);
  });

  it('sums the selection up', () => {
    const options = [
      { key: '', label: '(no model)' },
      { key: 'a', label: 'a' },
      { key: 'b', label: 'b' },
    ];
    expect([selectionText(null, options), selectionText([''], options), selectionText(['a', 'b'], options)]).toEqual(['all', '(no model)', '2 of 3']);
  });
});
