import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, output, signal } from '@angular/core';

import { Answer } from '../core/api';
import { toApiError } from '../core/api-error';
import { I18nService } from '../core/i18n.service';
import { Attachment, UploadedAttachment } from '../core/models';

/** Files the gateway serves (with the agent's token: an `<img>` cannot send it, so they are
 * fetched as blobs and shown from object URLs). */
const OWN = /^\/api\/v2\/attachments\/[0-9a-f]{32}$/;

export function isOwnFile(url: string): boolean {
  return OWN.test(url);
}

export function isImage(attachment: Attachment): boolean {
  return (attachment.type ?? '').startsWith('image/');
}

/** The largest upload `params.limit` (bytes) allows, in MB with one decimal. */
export function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

/** A ticket's attachments: images as thumbnails opening full size, other files as links; an
 * upload box (413/415 worded in the agent's language). */
@Component({
  selector: 'app-ticket-attachments',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div>
      <div class="flex items-center justify-between gap-2">
        @if (attachments().length || ticketId()) {
          <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('ticket.attachments') }}</h2>
        }
        @if (ticketId()) {
          <label class="cursor-pointer rounded-md border border-gray-300 px-2 py-1 text-xs font-medium text-gray-700 hover:bg-gray-50">
            {{ uploading() ? i18n.t('attachments.uploading') : i18n.t('attachments.upload') }}
            <input type="file" class="sr-only" accept="image/*,application/pdf,audio/*" (change)="upload($event)" [disabled]="uploading()" data-testid="attachment-input" />
          </label>
        }
      </div>
      @if (problem()) {
        <p class="mt-1 rounded-md bg-red-50 px-2 py-1 text-sm text-red-800" role="alert" data-testid="attachment-error">{{ problem() }}</p>
      }
      @if (attachments().length) {
        <ul class="mt-1 flex flex-wrap gap-2 text-sm" data-testid="ticket-attachments">
          @for (attachment of attachments(); track attachment.url) {
            <li class="break-all" [class.w-full]="!isImage(attachment)">
              @if (isImage(attachment)) {
                <a [href]="attachment.url" target="_blank" rel="noopener noreferrer" (click)="openFull($event, attachment)" class="block h-24 w-24 overflow-hidden rounded border border-gray-200 bg-gray-50" [title]="attachment.type" data-testid="attachment-thumbnail">
                  @if (source(attachment); as src) {
                    <img [src]="src" alt="" class="h-full w-full object-cover" />
                  }
                  <span class="sr-only">{{ attachment.type }}</span>
                </a>
              } @else {
                <a [href]="attachment.url" target="_blank" rel="noopener noreferrer" (click)="openFile($event, attachment)" class="text-indigo-700 hover:underline" data-testid="attachment-link">{{ attachment.url }}</a>
                @if (attachment.type) {
                  <span class="text-gray-500"> · {{ attachment.type }}</span>
                }
              }
            </li>
          }
        </ul>
      }
      @if (full(); as src) {
        <div class="fixed inset-0 z-50 flex items-center justify-center bg-black/80 p-4" role="dialog" (click)="full.set(null)" data-testid="attachment-full">
          <img [src]="src" alt="" class="max-h-full max-w-full rounded shadow-lg" />
          <button type="button" class="absolute right-4 top-4 rounded bg-white/90 px-3 py-1 text-sm" (click)="full.set(null)">{{ i18n.t('attachments.close') }}</button>
        </div>
      }
    </div>
  `,
})
export class TicketAttachments {
  protected readonly i18n = inject(I18nService);
  private readonly http = inject(HttpClient);
  readonly attachments = input.required<Attachment[]>();
  /** The ticket files are uploaded to (none: no upload box). */
  readonly ticketId = input<string | null>(null);
  readonly uploaded = output<UploadedAttachment>();

  protected readonly uploading = signal(false);
  protected readonly problem = signal('');
  protected readonly full = signal<string | null>(null);
  private readonly blobs = signal<Record<string, string>>({});
  private readonly asked = new Set<string>();
  protected readonly isImage = isImage;

  constructor() {
    effect(() => {
      for (const attachment of this.attachments()) {
        if (isImage(attachment) && isOwnFile(attachment.url)) this.fetch(attachment.url);
      }
    });
    inject(DestroyRef).onDestroy(() => Object.values(this.blobs()).forEach((url) => URL.revokeObjectURL(url)));
  }

  protected source(attachment: Attachment): string | null {
    return isOwnFile(attachment.url) ? (this.blobs()[attachment.url] ?? null) : attachment.url;
  }

  private fetch(url: string, then?: (objectUrl: string) => void): void {
    const known = this.blobs()[url];
    if (known) {
      then?.(known);
      return;
    }
    if (this.asked.has(url) && !then) return;
    this.asked.add(url);
    this.http.get(url, { responseType: 'blob' }).subscribe({
      next: (blob) => {
        const objectUrl = this.blobs()[url] ?? URL.createObjectURL(blob);
        this.blobs.update((all) => ({ ...all, [url]: objectUrl }));
        then?.(objectUrl);
      },
      error: () => undefined, // no thumbnail; the link still says what it is
    });
  }

  protected openFull(event: Event, attachment: Attachment): void {
    event.preventDefault();
    const src = this.source(attachment);
    if (src) this.full.set(src);
    else if (isOwnFile(attachment.url)) this.fetch(attachment.url, (url) => this.full.set(url));
  }

  protected openFile(event: Event, attachment: Attachment): void {
    if (!isOwnFile(attachment.url)) return; // another server's: the link opens it
    event.preventDefault();
    const opened = window.open('', '_blank');
    this.fetch(attachment.url, (url) => {
      if (opened) opened.location.href = url;
    });
  }

  protected upload(event: Event): void {
    const field = event.target as HTMLInputElement;
    const file = field.files?.[0];
    const ticketId = this.ticketId();
    if (!file || !ticketId) return;
    const form = new FormData();
    form.append('file', file, file.name);
    this.uploading.set(true);
    this.problem.set('');
    this.http
      .post<Answer<'/api/v2/tickets/{ticket_id}/attachments', 'post'>>(`/api/v2/tickets/${encodeURIComponent(ticketId)}/attachments`, form)
      .subscribe({
        next: (answer) => {
          this.uploading.set(false);
          field.value = '';
          this.uploaded.emit({ id: answer.id, url: answer.url, contentType: answer.contentType, size: answer.size });
        },
        error: (error: unknown) => {
          this.uploading.set(false);
          field.value = '';
          const problem = toApiError(error);
          const body = error instanceof HttpErrorResponse ? (error.error as { params?: { limit?: unknown } } | null) : null;
          const limit = Number(body?.params?.limit);
          if (problem.status === 413) this.problem.set(Number.isFinite(limit) && limit > 0 ? this.i18n.t('attachments.tooLarge', { size: megabytes(limit) }) : this.i18n.t('attachments.tooLargeAny'));
          else if (problem.status === 415) this.problem.set(this.i18n.t('attachments.unsupported'));
          else this.problem.set(problem.message);
        },
      });
  }
}
