import { describe, expect, it } from 'vitest';
import { assignModelColours, colourDifference, colourSequence, modelPalette, noModelColour } from './model-colours.ts';

const minimumDifference = (colours: readonly string[]) => {
  let minimum = Number.POSITIVE_INFINITY;
  for (const [index, left] of colours.entries()) for (const right of colours.slice(index + 1)) minimum = Math.min(minimum, colourDifference(left, right));
  return minimum;
};

describe('colourSequence', () => {
  it('starts with the palette, whose colours (and the grey) are clearly apart', () => {
    expect(colourSequence(modelPalette.length)).toEqual([...modelPalette]);
    expect(minimumDifference([...modelPalette, noModelColour])).toBeGreaterThan(25);
  });

  it('goes on with generated colours that stay apart from every earlier one', () => {
    const thirty = colourSequence(30);
    expect(thirty.every((colour) => /^#[0-9a-f]{6}$/.test(colour))).toBe(true);
    expect(minimumDifference([...thirty, noModelColour])).toBeGreaterThanOrEqual(20);
  });

  it('has a distinct colour for any count, and is the same sequence each time', () => {
    const many = colourSequence(150);
    expect(new Set([...many, noModelColour]).size).toBe(151);
    expect(colourSequence(40)).toEqual(many.slice(0, 40));
  });
});

describe('assignModelColours', () => {
  it('gives every model its own colour beyond the palette, the no-model group the grey', () => {
    const models = [...Array.from({ length: 25 }, (_unused, index) => `model-${index}`), null];
    const colours = assignModelColours(models);
    expect(colours.get(null)).toBe(noModelColour);
    expect(new Set(colours.values()).size).toBe(26);
    expect(minimumDifference([...colours.values()])).toBeGreaterThanOrEqual(20);
  });

  it('is the same for the same models, whatever their order or repeats', () => {
    const names = ['gpt-4o', 'claude-3-haiku', 'mistral-small', 'gemini-flash'];
    expect(assignModelColours([...names, null])).toEqual(assignModelColours([null, ...[...names].reverse(), 'gpt-4o']));
  });

  it("keeps a model's colour when other models come and go: its name picks its palette slot", () => {
    const alone = assignModelColours(['gpt-4o']).get('gpt-4o');
    expect(modelPalette).toContain(alone);
    // Names after it in code-unit order never take its slot, however many there are.
    const later = Array.from({ length: 20 }, (_unused, index) => `z-model-${index}`);
    expect(assignModelColours(['gpt-4o', ...later]).get('gpt-4o')).toBe(alone);
    expect(assignModelColours(['gpt-4o', null]).get('gpt-4o')).toBe(alone);
  });
});
