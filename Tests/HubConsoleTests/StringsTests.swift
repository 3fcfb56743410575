import Testing
@testable import HubConsole

@Suite struct StringsTests {
    @Test func everyPhraseIsTranslated() async {
        #expect(Strings.missing(in: .english).isEmpty)
        #expect(Strings.missing(in: .traditionalChinese).isEmpty)
    }

    @Test func placeholdersAreFilledInOrder() async {
        #expect(Strings(.english)(.effectBalance, "25", "35") == "balance 25 → 35")
        #expect(Strings(.traditionalChinese)(.effectBalance, "25", "35") == "餘額 25 → 35")
        #expect(Strings(.traditionalChinese)(.confirmGrantTitle, "10", "王小明") == "為 王小明 加值 10 點？")
    }

    @Test func everyTranslationKeepsItsPlaceholders() async {
        let english = Strings(.english), chinese = Strings(.traditionalChinese)
        for phrase in Phrase.allCases {
            for n in 1...4 {
                #expect(english(phrase).contains("{\(n)}") == chinese(phrase).contains("{\(n)}"), "\(phrase) {\(n)}")
            }
        }
    }

    @Test func theLanguageComesFromTheFlagOrTheLocale() async throws {
        #expect(try Language.pick("zh-TW", environment: [:]) == .traditionalChinese)
        #expect(try Language.pick("en", environment: ["LANG": "zh_TW.UTF-8"]) == .english)
        #expect(try Language.pick(nil, environment: ["LANG": "zh_TW.UTF-8"]) == .traditionalChinese)
        #expect(try Language.pick(nil, environment: ["LC_ALL": "C.UTF-8", "LANG": "zh_TW.UTF-8"]) == .english)
        #expect(try Language.pick(nil, environment: [:]) == .english)
        #expect(throws: ConsoleError("unknown language 'fr': use en or zh-TW")) { try Language.pick("fr", environment: [:]) }
    }
}
