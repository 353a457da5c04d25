package dev.roster.bench;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The PNG charts that go into BENCHMARKS.md, drawn by the benchmarks from what they measured,
 * so that a chart can never disagree with its table. One look for all: Roster in one colour,
 * Curator in another, floors in grey.
 */
final class Charts {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;
  /** Curator in reds, floors in greys, Roster's series in blues first, then other hues (no red). */
  private static final Color[] CURATOR = {new Color(0xD1242F), new Color(0x82071E), new Color(0xFF8182)};
  private static final Color[] FLOOR = {new Color(0x8C959F), new Color(0xC9CED4), new Color(0x57606A)};
  private static final Color[] ROSTER = {
      new Color(0x1F6FEB), new Color(0x1A7F37), new Color(0x8250DF), new Color(0xBF8700), new Color(0x0A3069),
      new Color(0x4AC26B), new Color(0xBC4C00), new Color(0x54AEFF), new Color(0x953800), new Color(0x24292F)};

  /** Hands out each series' colour by what it is, in order, so a chart's colours never clash. */
  private static final class Palette {
    private int curator;
    private int floor;
    private int roster;

    Color next(String name) {
      String n = name.toLowerCase(java.util.Locale.ROOT);
      if (n.contains("floor") || n.startsWith("zookeeper")) {
        return FLOOR[floor++ % FLOOR.length];
      }
      if (n.startsWith("curator")) {
        return CURATOR[curator++ % CURATOR.length];
      }
      return ROSTER[roster++ % ROSTER.length];
    }
  }

  private Charts() {}

  /**
   * Grouped bars: one group per category (such as an instance count), one bar per series.
   *
   * For values that differ by orders of magnitude, {@link #lines} has logarithmic axes.
   *
   * @param series bars by series name, each with one value per category, in insertion order
   */
  static void bars(Path file, String title, String xTitle, String yTitle, List<String> categories,
      Map<String, List<Double>> series) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    List<Color> colours = new ArrayList<>();
    Palette palette = new Palette();
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      if (s.getValue().size() != categories.size()) {
        throw new IllegalArgumentException("series " + s.getKey() + " has " + s.getValue().size()
            + " values for " + categories.size() + " categories");
      }
      chart.addSeries(s.getKey(), categories, s.getValue());
      colours.add(palette.next(s.getKey()));
    }
    chart.getStyler().setSeriesColors(colours.toArray(Color[]::new));
    write(chart, file);
  }

  /**
   * One line per series over a numeric x (such as an instance count), both axes logarithmic
   * when asked, with a marker at each measured point.
   *
   * @param series y values by series name, one per x, in insertion order
   */
  static void lines(Path file, String title, String xTitle, String yTitle, double[] xs,
      Map<String, double[]> series, boolean logX, boolean logY) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(chart.getStyler());
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    chart.getStyler().setYAxisDecimalPattern("#,##0.#");
    Palette palette = new Palette();
    for (Map.Entry<String, double[]> s : series.entrySet()) {
      if (s.getValue().length != xs.length) {
        throw new IllegalArgumentException("series " + s.getKey() + " has " + s.getValue().length
            + " values for " + xs.length + " points");
      }
      XYSeries line = chart.addSeries(s.getKey(), xs, s.getValue());
      Color colour = palette.next(s.getKey());
      line.setLineColor(colour);
      line.setMarkerColor(colour);
      line.setMarker(SeriesMarkers.CIRCLE);
    }
    write(chart, file);
  }

  /**
   * Latency distributions as cumulative curves: for each series, the share of samples at or
   * under each latency. Samples in nanoseconds, drawn in milliseconds on a logarithmic axis.
   */
  static void distributions(Path file, String title, Map<String, long[]> samplesNanos) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("latency, ms (log scale)").yAxisTitle("share of changes seen, %").build();
    style(chart.getStyler());
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(100.0);
    chart.getStyler().setYAxisDecimalPattern("0");
    chart.getStyler().setYAxisTickMarkSpacingHint(60);
    chart.getStyler().setXAxisDecimalPattern("#,##0.#");
    Palette palette = new Palette();
    for (Map.Entry<String, long[]> s : samplesNanos.entrySet()) {
      long[] sorted = s.getValue().clone();
      if (sorted.length == 0) {
        continue;
      }
      Arrays.sort(sorted);
      double[] x = new double[sorted.length];
      double[] y = new double[sorted.length];
      for (int i = 0; i < sorted.length; i++) {
        x[i] = Math.max(1e-3, sorted[i] / 1e6); // a log axis cannot show zero
        y[i] = 100.0 * (i + 1) / sorted.length;
      }
      XYSeries series = chart.addSeries(s.getKey(), x, y);
      series.setMarker(SeriesMarkers.NONE);
      series.setLineColor(palette.next(s.getKey()));
    }
    write(chart, file);
  }

  private static void style(Styler styler) {
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setLegendBorderColor(new Color(0xD0D7DE));
    styler.setChartTitleBoxVisible(false);
    styler.setPlotBorderVisible(false);
    styler.setAntiAlias(true);
  }

  private static void write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (java.io.OutputStream out = Files.newOutputStream(file)) {
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the chart " + file, e);
    }
    System.out.println("chart: " + file);
  }
}
