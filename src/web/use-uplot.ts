/**
 * A uPlot chart in an element: made once per `options` key, resized with its box, fed with
 * setData after every render. With `zoom`, a drag across the plot asks for that x range
 * (`onZoom`) and a double-click asks to go back (`onZoom(null)`); the page decides what to draw
 * there (a zoomed range is fetched at full resolution), and the x scale stays on the range asked
 * for while the data changes.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export const PLOT_HEIGHT = 220;

/** What every chart of the page shares: its size, no legend, a plain numeric x scale. */
export function plotFrame(width: number): Pick<uPlot.Options, 'width' | 'height' | 'legend' | 'scales'> {
  return { width, height: PLOT_HEIGHT, legend: { show: false }, scales: { x: { time: false } } };
}

/** An x range of a chart, in the x axis' units. */
export interface XRange {
  min: number;
  max: number;
}

export interface Zoom {
  range: XRange | null;
  onZoom(range: XRange | null): void;
}

/** A drag narrower than this (CSS pixels) is a click, not a zoom. */
const MIN_DRAG_PX = 3;

export function useUplot(
  box: RefObject<HTMLDivElement | null>,
  options: (width: number) => uPlot.Options,
  optionsKey: string,
  data: uPlot.AlignedData,
  zoom?: Zoom,
): void {
  const plot = useRef<uPlot | null>(null);
  const onZoom = useRef(zoom?.onZoom);
  onZoom.current = zoom?.onZoom;
  const zoomable = zoom !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: made again only when the kind of chart changes (optionsKey); the data is fed below
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const width = (): number => Math.max(200, element.clientWidth);
    const made = options(width());
    const chart = new uPlot(zoomable ? withZoom(made, (range) => onZoom.current?.(range)) : made, data, element);
    if (zoomable) chart.over.addEventListener('dblclick', () => onZoom.current?.(null));
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: PLOT_HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [optionsKey, zoomable]);
  const range = zoom?.range ?? null;
  useEffect(() => {
    const chart = plot.current;
    if (chart === null) return;
    if (range === null) return chart.setData(data);
    // The data changes under a zoom: the x scale stays where it was asked to be (y fits what is in it).
    chart.setData(data, false);
    chart.setScale('x', range);
  });
}

/** A drag selects an x range, handed to `zoom` instead of uPlot's own zoom. */
function withZoom(options: uPlot.Options, zoom: (range: XRange) => void): uPlot.Options {
  const select = (chart: uPlot): void => {
    const { left, width } = chart.select;
    if (width >= MIN_DRAG_PX) zoom({ min: chart.posToVal(left, 'x'), max: chart.posToVal(left + width, 'x') });
    chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  };
  return {
    ...options,
    cursor: { ...options.cursor, drag: { x: true, y: false, setScale: false } },
    hooks: { ...options.hooks, setSelect: [...(options.hooks?.setSelect ?? []), select] },
  };
}
