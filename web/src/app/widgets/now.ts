import { Injectable, signal } from '@angular/core';

const TICK_MS = 15_000;

/** The time, as a signal that moves every 15 s: what countdowns read (one timer for all). */
@Injectable({ providedIn: 'root' })
export class Now {
  private readonly current = signal(Date.now());
  readonly value = this.current.asReadonly();

  constructor() {
    setInterval(() => this.current.set(Date.now()), TICK_MS);
  }
}
