/**
 * Series colours for the dashboard's models: distinct for any number of models, and the same for a
 * model name on every load of the same view.
 */

/**
 * The first twelve colours: qualitative, readable as 2 px lines on white, at least ΔE 28 apart
 * (CIE76) from each other and from {@link noModelColour}.
 */
export const modelPalette = ['#2f6fdf', '#e07b1f', '#2e8540', '#8e44ad', '#c2362f', '#16a3a3', '#7a6a00', '#d6336c', '#8c564b', '#1b2a6b', '#7cb518', '#e6a800'] as const;

/** Requests recorded without a model: a neutral grey, never handed to a named model. */
export const noModelColour = '#8a8f98';

/** Colours generated beyond the palette start this far (ΔE76) from every earlier one. */
const generatedDistance = 20;
/** After this many candidates in a row are too close, the required distance shrinks (so any count ends). */
const candidatesPerDistance = 200;
const goldenAngleDegrees = 137.508;
const generatedLightness = [0.45, 0.32, 0.58] as const;
const generatedSaturation = [0.7, 0.6, 0.8] as const;

type Lab = readonly [number, number, number];

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** sRGB (D65) to CIELAB. */
function hexToLab(hex: string): Lab {
  const [red, green, blue] = hexToRgb(hex).map((channel) => {
    const unit = channel / 255;
    return unit <= 0.04045 ? unit / 12.92 : ((unit + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047;
  const y = 0.2126 * red + 0.7152 * green + 0.0722 * blue;
  const z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (841 / 108) * t + 4 / 29);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function labDistance(left: Lab, right: Lab): number {
  return Math.hypot(left[0] - right[0], left[1] - right[1], left[2] - right[2]);
}

/** Perceptual difference of two `#rrggbb` colours (CIE76 ΔE: about 2 is just noticeable, 20 clearly apart). */
export function colourDifference(left: string, right: string): number {
  return labDistance(hexToLab(left), hexToLab(right));
}

function hslToHex(hueDegrees: number, saturation: number, lightness: number): string {
  const amount = saturation * Math.min(lightness, 1 - lightness);
  const channel = (offset: number) => {
    const k = (offset + hueDegrees / 30) % 12;
    const value = lightness - amount * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

const sequence: string[] = [...modelPalette];
const sequenceLabs: Lab[] = [...modelPalette, noModelColour].map(hexToLab);
let nextCandidate = 0;
let requiredDistance = generatedDistance;

/**
 * The first `count` colours of one fixed sequence: the palette, then hues a golden angle apart (at
 * three lightness and saturation steps), each kept only if it is at least the required distance from
 * every colour before it and from the grey. The sequence never depends on the models, so it is
 * computed once and extended as needed.
 */
export function colourSequence(count: number): string[] {
  let misses = 0;
  while (sequence.length < count) {
    const candidate = nextCandidate;
    nextCandidate += 1;
    const hex = hslToHex(
      (candidate * goldenAngleDegrees) % 360,
      generatedSaturation[candidate % generatedSaturation.length] ?? 0.7,
      generatedLightness[Math.floor(candidate / generatedLightness.length) % generatedLightness.length] ?? 0.45,
    );
    const lab = hexToLab(hex);
    if (sequenceLabs.every((taken) => labDistance(taken, lab) >= requiredDistance)) {
      sequence.push(hex);
      sequenceLabs.push(lab);
      misses = 0;
    } else if (++misses >= candidatesPerDistance) {
      // The lightness band is full at this distance: accept closer colours rather than loop.
      requiredDistance = Math.max(1, requiredDistance * 0.85);
      misses = 0;
    }
  }
  return sequence.slice(0, count);
}

/** FNV-1a (32-bit): a model name's preferred palette slot, the same in every process. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (const unit of name) {
    hash ^= unit.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A colour for each model (null: requests recorded without a model, always {@link noModelColour}).
 * A model takes the palette slot its name hashes to, so it keeps its colour from one period or
 * project to the next; when an earlier name (in code-unit order) holds that slot, it takes the first
 * free colour of {@link colourSequence}. No two models share a colour, whatever their number, and the
 * same set of models always gets the same colours.
 */
export function assignModelColours(models: readonly (string | null)[]): Map<string | null, string> {
  const names = [...new Set(models.filter((model): model is string => model !== null))].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  const colours = colourSequence(Math.max(names.length, modelPalette.length));
  const taken = new Set<number>();
  const assigned = new Map<string | null, string>();
  for (const name of names) {
    let slot = nameHash(name) % modelPalette.length;
    if (taken.has(slot)) {
      slot = 0;
      while (taken.has(slot)) slot += 1;
    }
    taken.add(slot);
    assigned.set(name, colours[slot] ?? noModelColour);
  }
  if (models.includes(null)) assigned.set(null, noModelColour);
  return assigned;
}
