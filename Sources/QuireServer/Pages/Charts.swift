import Foundation

/// Bar charts as inline SVG, drawn by the server from numbers: no script, no library, and each
/// chart names its data for screen readers.
enum Charts {
    struct Bar {
        var label: String
        var value: Int
    }

    /// Vertical bars with a label under each (every `labelEvery`th, when there are many).
    static func bars(_ bars: [Bar], title: String, labelEvery: Int = 1, color: String = "#1d4ed8") -> String {
        let width = 600.0, height = 200.0, top = 16.0, bottom = 28.0, left = 32.0
        let plot = height - top - bottom
        let largest = max(1, bars.map(\.value).max() ?? 1)
        let step = (width - left) / Double(max(1, bars.count))
        let summary = bars.filter { $0.value > 0 }.map { "\($0.label): \($0.value)" }.joined(separator: ", ")
        var svg = ##"<svg viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-label="\##(escape(title)): \##(escape(summary.isEmpty ? "none" : summary))" xmlns="http://www.w3.org/2000/svg">"##
        svg += ##"<line x1="\##(left)" y1="\##(top + plot)" x2="\##(width)" y2="\##(top + plot)" stroke="#767676"/>"##
        svg += ##"<text x="\##(left - 4)" y="\##(top + 4)" font-size="11" text-anchor="end" fill="#1a1a1a">\##(largest)</text>"##
        svg += ##"<text x="\##(left - 4)" y="\##(top + plot)" font-size="11" text-anchor="end" fill="#1a1a1a">0</text>"##
        for (i, bar) in bars.enumerated() {
            let h = plot * Double(bar.value) / Double(largest)
            let x = left + Double(i) * step
            let w = max(1, step * 0.8)
            svg += ##"<rect x="\##(fmt(x + step * 0.1))" y="\##(fmt(top + plot - h))" width="\##(fmt(w))" height="\##(fmt(h))" fill="\##(color)"><title>\##(escape(bar.label)): \##(bar.value)</title></rect>"##
            if bar.value > 0 && bars.count <= 12 {
                svg += ##"<text x="\##(fmt(x + step / 2))" y="\##(fmt(top + plot - h - 3))" font-size="11" text-anchor="middle" fill="#1a1a1a">\##(bar.value)</text>"##
            }
            if i % labelEvery == 0 || i == bars.count - 1 {
                svg += ##"<text x="\##(fmt(x + step / 2))" y="\##(height - 10)" font-size="11" text-anchor="middle" fill="#1a1a1a">\##(escape(bar.label))</text>"##
            }
        }
        return svg + "</svg>"
    }

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
