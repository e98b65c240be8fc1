import { ChangeDetectionStrategy, Component, ElementRef, Renderer2, effect, inject, input } from '@angular/core';

import { ICONS } from './icons';

const SVG = 'http://www.w3.org/2000/svg';

/** A configured icon by name; unknown names show a small dot in the same colour. */
@Component({
  selector: 'app-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: '',
  host: { class: 'inline-flex shrink-0 items-center justify-center', 'aria-hidden': 'true' },
})
export class Icon {
  readonly name = input<string | null | undefined>(null);
  readonly size = input(16);

  private readonly host = inject(ElementRef<HTMLElement>);
  private readonly renderer = inject(Renderer2);

  constructor() {
    effect(() => this.draw(this.name(), this.size()));
  }

  private draw(name: string | null | undefined, size: number): void {
    const element: HTMLElement = this.host.nativeElement;
    element.replaceChildren();
    const svg = this.renderer.createElement('svg', SVG) as SVGElement;
    const attributes: Record<string, string> = {
      width: String(size),
      height: String(size),
      viewBox: '0 0 24 24',
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': '2',
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
    };
    for (const [key, value] of Object.entries(attributes)) svg.setAttribute(key, value);
    const node = name ? ICONS[name] : undefined;
    if (node) {
      for (const [tag, attrs] of node) {
        const child = this.renderer.createElement(tag, SVG) as SVGElement;
        for (const [key, value] of Object.entries(attrs)) {
          if (value !== undefined) child.setAttribute(key, String(value));
        }
        svg.appendChild(child);
      }
    } else {
      const dot = this.renderer.createElement('circle', SVG) as SVGElement;
      for (const [key, value] of Object.entries({ cx: '12', cy: '12', r: '5', fill: 'currentColor' })) {
        dot.setAttribute(key, value);
      }
      svg.appendChild(dot);
    }
    element.appendChild(svg);
  }
}
