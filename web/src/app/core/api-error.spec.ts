import { HttpErrorResponse } from '@angular/common/http';

import { errorsByField, toApiError } from './api-error';

describe('the gateway error body', () => {
  it('keeps the message, the field details and the allowed next states', () => {
    const error = new HttpErrorResponse({
      status: 409,
      error: {
        success: false,
        error: "Cannot change status from 'open' to 'closed'",
        allowed: ['in_progress'],
      },
    });
    expect(toApiError(error)).toEqual({
      status: 409,
      message: "Cannot change status from 'open' to 'closed'",
      details: [],
      allowed: ['in_progress'],
    });
  });

  it('puts each field reason under the control it names (first reason wins)', () => {
    const error = toApiError(
      new HttpErrorResponse({
        status: 422,
        error: {
          success: false,
          error: 'Invalid request',
          details: [
            { field: 'subject', reason: 'String should have at least 1 character' },
            { field: 'tags.0', reason: 'too long' },
            { field: 'tags.1', reason: 'also too long' },
          ],
        },
      }),
    );
    expect(errorsByField(error)).toEqual({
      subject: 'String should have at least 1 character',
      tags: 'too long',
    });
  });

  it('says "network" when the gateway could not be reached', () => {
    expect(toApiError(new HttpErrorResponse({ status: 0 })).message).toBe('network');
  });
});
