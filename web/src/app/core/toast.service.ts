import { Injectable } from '@angular/core';
import { BehaviorSubject } from 'rxjs';

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'success' | 'error';
  link?: string;
}

const SHOWN_MS = 5000;

/** Short notices in a corner: background changes, saved settings, failures. */
@Injectable({ providedIn: 'root' })
export class ToastService {
  private readonly state = new BehaviorSubject<Toast[]>([]);
  private nextId = 1;

  readonly toasts$ = this.state.asObservable();

  show(text: string, kind: Toast['kind'] = 'info', link?: string): void {
    const toast: Toast = { id: this.nextId++, text, kind, link };
    this.state.next([...this.state.value, toast].slice(-4));
    setTimeout(() => this.dismiss(toast.id), SHOWN_MS);
  }

  dismiss(id: number): void {
    this.state.next(this.state.value.filter((toast) => toast.id !== id));
  }
}
