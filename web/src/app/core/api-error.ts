import { HttpErrorResponse } from '@angular/common/http';

import { components } from './api.gen';

export type FieldError = components['schemas']['FieldError'];

/** The gateway's error body (`ErrorBody`: `{success: false, error, details?, allowed?}`), plus
 * the status. */
export interface ApiError {
  status: number;
  message: string;
  details: FieldError[];
  /** Next states the ticket may move to (409 on an illegal transition). */
  allowed: string[] | null;
}

export function toApiError(error: unknown): ApiError {
  if (!(error instanceof HttpErrorResponse)) {
    return { status: 0, message: String(error), details: [], allowed: null };
  }
  const body: unknown = error.error;
  if (body && typeof body === 'object' && 'error' in body) {
    const b = body as { error: unknown; details?: unknown; allowed?: unknown };
    return {
      status: error.status,
      message: String(b.error),
      details: Array.isArray(b.details) ? (b.details as FieldError[]) : [],
      allowed: Array.isArray(b.allowed) ? (b.allowed as string[]) : null,
    };
  }
  const message = error.status === 0 ? 'network' : `${error.status} ${error.statusText}`;
  return { status: error.status, message, details: [], allowed: null };
}

/** Server-side field errors keyed by the form control they belong to (`customerId` etc.). */
export function errorsByField(error: ApiError): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const detail of error.details) {
    const field = detail.field.split('.')[0];
    byField[field] ??= detail.reason;
  }
  return byField;
}
