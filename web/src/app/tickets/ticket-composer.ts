import { ChangeDetectionStrategy, Component, ElementRef, effect, inject, input, output, signal, viewChild } from '@angular/core';
import { FormControl, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';

/** Who reads what is written: the customer (a reply, delivered on their channel) or only the
 * agents (an internal note). */
export type ComposerMode = 'reply' | 'note';

export interface Composed {
  mode: ComposerMode;
  text: string;
}

/** The box under the stream: two clearly different modes (`data-shortcut="reply"` /
 * `data-shortcut="note"`, focusable hooks for keyboard shortcuts), Ctrl+Enter (⌘+Enter) sends.
 * Helpers that write for the agent (a canned-reply picker) go in the `[composerTools]` slot and
 * call `insert()`. */
@Component({
  selector: 'app-ticket-composer',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="rounded-lg border-2 bg-white" [class]="mode() === 'reply' ? 'border-sky-300' : 'border-amber-300 bg-amber-50'" data-testid="composer" [attr.data-mode]="mode()">
      <div class="flex items-center gap-1 border-b px-2 pt-2" [class]="mode() === 'reply' ? 'border-sky-100' : 'border-amber-200'" role="tablist">
        <button type="button" role="tab" data-shortcut="reply" [attr.aria-selected]="mode() === 'reply'" [disabled]="!canReply()" [title]="canReply() ? '' : i18n.t('composer.noConversation')" (click)="choose('reply')" (focus)="canReply() && mode.set('reply')" class="-mb-px rounded-t-md border-b-2 px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-50" [class]="mode() === 'reply' ? 'border-sky-600 text-sky-800' : 'border-transparent text-gray-600 hover:text-gray-900'">{{ i18n.t('composer.reply') }}</button>
        <button type="button" role="tab" data-shortcut="note" [attr.aria-selected]="mode() === 'note'" [disabled]="!canNote()" (click)="choose('note')" (focus)="canNote() && mode.set('note')" class="-mb-px rounded-t-md border-b-2 px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-50" [class]="mode() === 'note' ? 'border-amber-600 text-amber-900' : 'border-transparent text-gray-600 hover:text-gray-900'">{{ i18n.t('composer.note') }}</button>
        <span class="ml-auto flex items-center gap-2 pb-1"><ng-content select="[composerTools]" /></span>
      </div>
      <p class="px-3 pt-2 text-xs" [class]="mode() === 'reply' ? 'text-sky-800' : 'text-amber-900'" data-testid="composer-hint">{{ mode() === 'reply' ? i18n.t('composer.replyHint') : i18n.t('composer.noteHint') }}</p>
      <textarea #box [formControl]="text" rows="3" (keydown)="key($event)" [attr.aria-label]="mode() === 'reply' ? i18n.t('composer.reply') : i18n.t('composer.note')" class="block w-full resize-y bg-transparent px-3 py-2 text-sm focus:outline-none" data-testid="composer-text"></textarea>
      <div class="flex items-center justify-between gap-2 px-3 pb-2">
        <span class="text-xs text-gray-500">{{ i18n.t('composer.ctrlEnter') }}</span>
        <button type="button" (click)="send()" [disabled]="busy() || text.invalid" class="rounded-md px-3 py-1.5 text-sm font-medium text-white disabled:opacity-60" [class]="mode() === 'reply' ? 'bg-sky-700 hover:bg-sky-800' : 'bg-amber-600 hover:bg-amber-700'" data-testid="composer-send">{{ mode() === 'reply' ? i18n.t('composer.sendReply') : i18n.t('composer.addNote') }}</button>
      </div>
    </div>
  `,
})
export class TicketComposer {
  protected readonly i18n = inject(I18nService);
  /** Whether there is a customer to answer (a conversation). */
  readonly canReply = input(true);
  /** Whether there is a ticket to note on. */
  readonly canNote = input(true);
  readonly busy = input(false);
  readonly sent = output<Composed>();

  protected readonly mode = signal<ComposerMode>('reply');
  protected readonly text = new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.pattern(/\S/)] });
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  constructor() {
    effect(() => {
      if (!this.canReply() && this.mode() === 'reply' && this.canNote()) this.mode.set('note');
      if (!this.canNote() && this.mode() === 'note' && this.canReply()) this.mode.set('reply');
    });
  }

  protected choose(mode: ComposerMode): void {
    this.mode.set(mode);
    this.box().nativeElement.focus();
  }

  /** Text put in at the caret (a canned reply, a snippet). */
  insert(snippet: string): void {
    const element = this.box().nativeElement;
    const value = this.text.value;
    const at = element.selectionStart ?? value.length;
    this.text.setValue(value.slice(0, at) + snippet + value.slice(element.selectionEnd ?? at));
    element.focus();
  }

  /** Empties the box once what it held was sent. */
  clear(): void {
    this.text.reset('');
  }

  protected key(event: KeyboardEvent): void {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.send();
    }
  }

  protected send(): void {
    if (this.busy() || this.text.invalid) return;
    const mode = this.mode();
    if ((mode === 'reply' && !this.canReply()) || (mode === 'note' && !this.canNote())) return;
    this.sent.emit({ mode, text: this.text.value.trim() });
  }
}
