import Foundation
import Testing
@testable import HubConsole

/// The package's `themes/` directory, from this file's path.
let packageThemes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("themes")

@Suite struct ThemeTests {
    let library = ThemeLibrary(directories: [packageThemes])

    @Test func theShippedDefaultIsTheBuiltInOne() async throws {
        let file = try String(contentsOf: packageThemes.appendingPathComponent("default.yaml"), encoding: .utf8)
        #expect(file == BuiltinTheme.yaml)
        #expect(Theme.builtinDefault.name == "default")
        #expect(Set(Theme.builtinDefault.styles.keys) == Set(Role.allCases))
    }

    @Test func atLeastSixThemesShipAndAllLoad() async throws {
        let names = library.names
        for required in ["default", "light", "dark-256", "solarized", "high-contrast", "mono"] {
            #expect(names.contains(required), "missing theme \(required)")
        }
        for name in names {
            let theme = try library.load(name)
            #expect(theme.name == name)
            #expect(Set(theme.styles.keys) == Set(Role.allCases), "\(name) lacks roles")
        }
    }

    @Test func theDefaultUsesOnlyTheSixteenANSIColours() async {
        for style in Theme.builtinDefault.styles.values {
            for color in [style.foreground, style.background] {
                if case .indexed(let n) = color { #expect(n < 16) } else { #expect(color == .terminalDefault) }
            }
        }
    }

    @Test func aPartialThemeInheritsTheRest() async throws {
        let theme = try ThemeParser.parse("""
            name: partial
            roles:
              header: { fg: "#ff0000" }
            """, file: "partial.yaml", over: .builtinDefault)
        #expect(theme[.header].foreground == .rgb(255, 0, 0))
        #expect(theme[.header].background == Theme.builtinDefault[.header].background)
        #expect(theme[.header].bold)
        #expect(theme[.rowSelected] == Theme.builtinDefault[.rowSelected])
    }

    @Test func anUnknownKeyIsReportedWithFileAndLine() async {
        #expect(throws: ConsoleError("bad.yaml:4: unknown key 'colour' (use fg, bg, bold, dim, reverse, underline)")) {
            try ThemeParser.parse("name: bad\nroles:\n  header:\n    colour: red\n", file: "bad.yaml", over: .builtinDefault)
        }
        #expect(throws: ConsoleError("bad.yaml:2: unknown key 'colours' (use name, palette, roles)")) {
            try ThemeParser.parse("name: bad\ncolours: {}\n", file: "bad.yaml", over: .builtinDefault)
        }
        #expect(throws: ConsoleError("bad.yaml:2: unknown role 'headr' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")) {
            try ThemeParser.parse("roles:\n  headr: { fg: red }\n", file: "bad.yaml", over: .builtinDefault)
        }
    }

    @Test func aBadColourIsReportedWithFileAndLine() async {
        let text = "name: x\npalette:\n  accent: cyan\nroles:\n  header: { fg: purpleish }\n"
        #expect(throws: ConsoleError("x.yaml:5: bad colour 'purpleish' (use default, an ANSI name such as bright-cyan, 0-255, #rrggbb, or a palette name)")) {
            try ThemeParser.parse(text, file: "x.yaml", over: .builtinDefault)
        }
        #expect(throws: ConsoleError.self) { try ThemeParser.parse("roles:\n  chart: { fg: 300 }\n", file: "y.yaml", over: .builtinDefault) }
    }

    @Test func anUnknownThemeNameListsTheAvailableOnes() async {
        #expect(throws: ConsoleError.self) { try library.load("no-such-theme") }
    }

    @Test func aThemeFileByPathLoads() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("user-theme-\(UUID().uuidString).yaml")
        try "roles:\n  chart: { fg: 208 }\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let theme = try library.load(file.path)
        #expect(theme[.chart].foreground == .indexed(208))
        #expect(theme.name == file.deletingPathExtension().lastPathComponent)
    }

    @Test func coloursDegradeToWhatTheTerminalHas() async {
        #expect(ColorDepth.indexed256.fit(.indexed(208)) == 208)
        #expect(ColorDepth.sixteen.fit(.indexed(196)) == 9)   // bright red
        #expect(ColorDepth.eight.fit(.rgb(0xdc, 0x32, 0x2f)) == 1)  // solarized red → red
        #expect(ColorDepth.eight.fit(.indexed(12)) < 8)
        #expect(ColorDepth.indexed256.fit(.rgb(0, 0x2b, 0x36)) >= 16)
        #expect(ColorDepth.mono.fit(.indexed(3)) == -1)
        #expect(ColorDepth.sixteen.fit(.terminalDefault) == -1)
    }

    @Test func theStandardSearchPathHonoursTheEnvironment() async {
        let library = ThemeLibrary.standard(environment: ["AIGNE_HUB_THEMES": "/opt/a:/opt/b", "XDG_CONFIG_HOME": "/cfg"])
        #expect(library.directories.prefix(3).map(\.path) == ["/opt/a", "/opt/b", "/cfg/aigne-hub/themes"])
    }
}
