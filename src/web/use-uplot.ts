/**
 * A uPlot chart in an element: made once per `options` key, resized with its box, fed with
 * setData after every render (for the X/Y and overlay charts; ./chart.tsx has its own).
 */
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export const PLOT_HEIGHT = 220;

export function useUplot(
  box: RefObject<HTMLDivElement | null>,
  options: (width: number) => uPlot.Options,
  optionsKey: string,
  data: uPlot.AlignedData,
): void {
  const plot = useRef<uPlot | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: made again only when the kind of chart changes (optionsKey); the data is fed below
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const width = (): number => Math.max(200, element.clientWidth);
    const chart = new uPlot(options(width()), data, element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: PLOT_HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [optionsKey]);
  useEffect(() => {
    plot.current?.setData(data);
  });
}
