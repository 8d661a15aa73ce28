// Types of view-state.js (served to the browser as is) for its tests.
export declare const periods: Readonly<Record<string, number>>;
export declare const defaultPeriod: string;
export interface View {
  period: string;
  from: string | null;
  to: string | null;
  models: string[] | null;
}
export declare function readView(search: string): View;
export declare function viewSearch(view: View): string;
export declare function summarySearch(view: View, nowMs: number): string;
export declare function parseTime(text: string | null): Date | null;
export declare function isoSeconds(date: Date): string;
export declare function localInputValue(date: Date | null): string;
export declare function fromLocalInput(value: string): string | null;
