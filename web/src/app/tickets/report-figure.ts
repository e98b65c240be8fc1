// The report figures the ticket list narrows to (kept apart from the list's state: the bulk
// helpers, in the initial bundle, use them without loading the list).

/** The report figures whose tickets the list shows (`figure` with `figureFrom`..`figureTo`,
 * counted as the reports count them; `backlog`: open at the instant `figureTo`). */
export const FIGURES = [
  'created',
  'resolved',
  'reopened',
  'backlog',
  'assigned',
  'firstResponded',
  'firstResponseMet',
  'firstResponseBreached',
  'resolutionMet',
  'resolutionBreached',
  'breached',
  'rated',
] as const;
export type ReportFigure = (typeof FIGURES)[number];

/** The figure filter when it is whole (a figure and the bounds it needs, in order: `figureTo`,
 * and `figureFrom` but for the backlog), else nothing (the API would refuse it). */
export function figureOf(filters: { figure: ReportFigure | ''; figureFrom: string; figureTo: string }): { figure?: ReportFigure; figureFrom?: string; figureTo?: string } {
  const { figure, figureFrom, figureTo } = filters;
  if (!figure || !figureTo || (!figureFrom && figure !== 'backlog')) return {};
  if (figureFrom && Date.parse(figureTo) < Date.parse(figureFrom)) return {};
  return figureFrom ? { figure, figureFrom, figureTo } : { figure, figureTo };
}
