import {
  ChangeDetectionStrategy,
  Component,
  ComponentRef,
  DestroyRef,
  Directive,
  ElementRef,
  ViewContainerRef,
  inject,
  input,
  output,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';

import { I18nService } from '../core/i18n.service';
import { REPLIES_MESSAGES } from '../replies/replies.messages';
import { CannedReply, RepliesService } from '../replies/replies.service';

/** Where a `/word` being typed sits: `/` at `start` (the start of the text or after a space),
 * the word up to the caret at `end`. */
export interface SlashWord {
  start: number;
  end: number;
  query: string;
}

const MOST_SHOWN = 8;

/** The `/word` the caret is at the end of, or null (a `/` inside a word, e.g. a URL's, is not one). */
export function slashWord(text: string, caret: number): SlashWord | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!match) return null;
  const start = caret - match[2].length - 1;
  return { start, end: caret, query: match[2] };
}

function folded(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The replies whose shortcut or title match `query` (case and accents ignored): shortcuts that
 * start with it first, then titles holding it; at most a handful. */
export function matchReplies(replies: readonly CannedReply[], query: string): CannedReply[] {
  const wanted = folded(query.trim());
  if (!wanted) return replies.slice(0, MOST_SHOWN);
  const byShortcut = replies.filter((r) => r.shortcut && folded(r.shortcut).startsWith(wanted));
  const byTitle = replies.filter((r) => !byShortcut.includes(r) && folded(r.title).includes(wanted));
  return [...byShortcut, ...byTitle].slice(0, MOST_SHOWN);
}

/** `text` with `[start, end)` replaced by `inserted`, and where the caret goes after it. */
export function spliced(text: string, word: SlashWord, inserted: string): { text: string; caret: number } {
  return { text: text.slice(0, word.start) + inserted + text.slice(word.end), caret: word.start + inserted.length };
}

/** The list the picker shows under its textarea (mouse or arrows and Enter pick). */
@Component({
  selector: 'app-canned-reply-menu',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mt-1 rounded-md border border-gray-200 bg-white text-sm shadow-lg" data-testid="canned-reply-menu">
      @if (items().length === 0) {
        <p class="px-3 py-2 text-gray-500">{{ i18n.local(M, 'replies.noMatch') }}</p>
      } @else {
        <ul role="listbox" [attr.aria-label]="i18n.local(M, 'replies.pick')">
          @for (reply of items(); track reply.id; let i = $index) {
            <li role="option" [attr.aria-selected]="i === active()" [class.bg-indigo-50]="i === active()" class="cursor-pointer px-3 py-1.5" (mousedown)="$event.preventDefault(); picked.emit(reply)" [attr.data-reply]="reply.shortcut || reply.id">
              <span class="font-medium text-gray-900">{{ reply.title }}</span>
              @if (reply.shortcut) {
                <span class="ml-2 text-xs text-gray-500">/{{ reply.shortcut }}</span>
              }
              <span class="block truncate text-xs text-gray-500">{{ reply.body }}</span>
            </li>
          }
        </ul>
      }
    </div>
  `,
})
export class CannedReplyMenu {
  protected readonly i18n = inject(I18nService);
  protected readonly M = REPLIES_MESSAGES;
  readonly items = input<CannedReply[]>([]);
  readonly active = input(0);
  readonly picked = output<CannedReply>();
}

/** Canned replies in a textarea: `/` at the start of a word opens the list, the word typed after
 * it filters it, and the reply picked replaces `/word` with its text rendered for the ticket
 * (`<textarea [appCannedReplies]="ticketId">`). The textarea's form control hears the change
 * as typing. */
@Directive({
  selector: 'textarea[appCannedReplies]',
  host: { '(input)': 'typed()', '(keydown)': 'key($event)', '(blur)': 'close()', '[attr.placeholder]': 'hint()' },
})
export class CannedReplyPicker {
  /** The ticket the rendered text is for. */
  readonly ticketId = input.required<string>({ alias: 'appCannedReplies' });

  private readonly i18n = inject(I18nService);
  private readonly element: HTMLTextAreaElement = inject(ElementRef).nativeElement;
  private readonly container = inject(ViewContainerRef);
  private readonly service = inject(RepliesService);
  private readonly destroyRef = inject(DestroyRef);
  private replies: CannedReply[] = [];
  private menu: ComponentRef<CannedReplyMenu> | null = null;
  private word: SlashWord | null = null;
  private shown: CannedReply[] = [];
  private active = 0;

  constructor() {
    this.service.replies$.pipe(takeUntilDestroyed()).subscribe((replies) => {
      this.replies = replies ?? [];
      if (this.word) this.show();
    });
    this.destroyRef.onDestroy(() => this.close());
  }

  /** "Type / to use a canned reply", in the console's language. */
  protected hint(): string {
    return this.i18n.local(REPLIES_MESSAGES, 'replies.hint');
  }

  protected typed(): void {
    this.word = slashWord(this.element.value, this.element.selectionStart ?? this.element.value.length);
    if (!this.word) {
      this.close();
      return;
    }
    this.service.loadReplies();
    this.active = 0;
    this.show();
  }

  protected key(event: KeyboardEvent): void {
    if (!this.menu) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.shown.length) % Math.max(this.shown.length, 1);
      this.menu.setInput('active', this.active);
    } else if (event.key === 'Enter' && this.shown.length > 0) {
      event.preventDefault();
      this.pick(this.shown[this.active]);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
    }
  }

  close(): void {
    this.word = null;
    this.menu?.destroy();
    this.menu = null;
  }

  private show(): void {
    this.shown = matchReplies(this.replies, this.word?.query ?? '');
    if (!this.menu) {
      this.menu = this.container.createComponent(CannedReplyMenu);
      this.menu.instance.picked.subscribe((reply) => this.pick(reply));
    }
    this.menu.setInput('items', this.shown);
    this.menu.setInput('active', this.active);
  }

  private pick(reply: CannedReply): void {
    const word = this.word;
    this.close();
    if (!word) return;
    this.service
      .render(reply.id, this.ticketId())
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (text) => this.insert(word, text),
        error: () => this.insert(word, reply.body),
      });
  }

  private insert(word: SlashWord, text: string): void {
    const after = spliced(this.element.value, word, text);
    this.element.value = after.text;
    this.element.setSelectionRange(after.caret, after.caret);
    this.element.dispatchEvent(new Event('input'));
    this.close();
    this.element.focus();
  }
}
