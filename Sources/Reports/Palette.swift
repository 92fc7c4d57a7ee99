// DeltaH — entropy change of softmax policies.

/// The Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), ordered for line and marker
/// series on white: blue, vermillion, bluish green, orange, reddish purple, sky blue, black,
/// yellow (last: weak contrast on white).
public enum Palette {
  public static let okabeIto = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

  /// The colour of series `index`, cycling through ``okabeIto``.
  ///
  /// - Complexity: O(1).
  public static func colour(_ index: Int) -> String { okabeIto[((index % okabeIto.count) + okabeIto.count) % okabeIto.count] }

  /// Grey for reference lines and grids.
  public static let reference = "#555555"
  public static let grid = "#E6E6E6"
}
