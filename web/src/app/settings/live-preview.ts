import { DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { EMPTY, Observable, Subject, catchError, debounceTime, defer, filter, finalize, map, merge, switchMap, tap } from 'rxjs';

import { ApiError, toApiError } from '../core/api-error';

/** The draft a preview was last asked for: `undefined` before any, `null` for "none" (the form
 * is invalid), else the draft's key. */
type Asked = string | null | undefined;

/** A preview the server computes from a form's unsaved value, as the form changes.
 *
 * `drafts` emits the form's value, or `null` while it cannot be previewed (invalid). Each draft
 * waits `waitMs` of quiet, an unchanged draft is not asked again, and a newer draft drops the
 * answer still on its way (switchMap), as does turning invalid. The last good answer stays on
 * an error; the error is kept beside it until the next answer.
 */
export class LivePreview<Draft, Answer> {
  /** The last good answer. */
  readonly value = signal<Answer | null>(null);
  /** A request is on its way. */
  readonly pending = signal(false);
  /** Why the latest request failed (cleared by the next good answer). */
  readonly error = signal<ApiError | null>(null);

  private readonly immediate = new Subject<Draft | null>();
  private asked: Asked = undefined;

  constructor(
    drafts: Observable<Draft | null>,
    ask: (draft: Draft) => Observable<Answer>,
    waitMs: number,
    key: (draft: Draft) => string = (draft) => JSON.stringify(draft),
    destroyRef: DestroyRef = inject(DestroyRef),
  ) {
    merge(drafts.pipe(debounceTime(waitMs)), this.immediate)
      .pipe(
        map((draft) => ({ draft, key: draft === null ? null : key(draft) })),
        filter((next) => next.key !== this.asked),
        tap((next) => (this.asked = next.key)),
        switchMap(({ draft }) => (draft === null ? EMPTY : this.request(ask, draft))),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe();
  }

  /** Preview this draft now, without waiting (a value just loaded from the server). */
  now(draft: Draft | null): void {
    this.immediate.next(draft);
  }

  /** The server's reason for one field of the draft (`details[].field`), as a save shows it. */
  reason(field: string): string {
    return this.error()?.details.find((detail) => detail.field === field)?.reason ?? '';
  }

  private request(ask: (draft: Draft) => Observable<Answer>, draft: Draft): Observable<Answer> {
    return defer(() => {
      this.pending.set(true);
      return ask(draft);
    }).pipe(
      tap((answer) => {
        this.value.set(answer);
        this.error.set(null);
      }),
      catchError((error: unknown) => {
        this.error.set(toApiError(error));
        this.asked = undefined; // the same draft may be asked again
        return EMPTY;
      }),
      finalize(() => this.pending.set(false)),
    );
  }
}
