import HubCore

/// Texts that come from the hub: ``HubText`` codes and parameters, ledger kinds and ``HubError``s, in
/// the console's language. English comes from the hub's own table; a test keeps the others complete.
extension Strings {
    /// A hub text in this language.
    public func callAsFunction(_ text: HubText) -> String {
        let template = language == .english ? nil : Self.traditionalChineseHubTexts[text.code]
        return template.map { HubText.fill($0, text.parameters) } ?? text.english
    }

    /// A hub error: its text in this language when the hub sent one, else what its code means and the
    /// hub's message (English: the message alone).
    public func error(_ error: HubError) -> String {
        if let text = error.text { return self(text) }
        guard language != .english, let meaning = Self.traditionalChineseErrorCodes[error.code] else { return error.message }
        return meaning + "：" + error.message
    }

    /// Why a balance moved (`grant`, `usage`, ...), as the ledger shows it.
    public func ledgerKind(_ kind: LedgerKind) -> String {
        language == .english ? kind.rawValue : Self.traditionalChineseLedgerKinds[kind] ?? kind.rawValue
    }

    /// Hub texts, error codes and ledger kinds missing from `language`'s tables (a test keeps this empty).
    public static func missingHubTexts(in language: Language) -> [String] {
        guard language == .traditionalChinese else { return [] }
        return HubText.Code.allCases.filter { traditionalChineseHubTexts[$0] == nil }.map(\.rawValue)
            + HubError.Code.allCases.filter { traditionalChineseErrorCodes[$0] == nil }.map(\.rawValue)
            + LedgerKind.allCases.filter { traditionalChineseLedgerKinds[$0] == nil }.map(\.rawValue)
    }

    static let traditionalChineseHubTexts: [HubText.Code: String] = [
        .modeAlready: "中樞已是 {1} 模式：沒有任何變更。",
        .modeCallsCharged: "每次呼叫都會計價並從呼叫者的餘額扣除；餘額不足時呼叫會被拒絕（402）。",
        .modeUsersWithoutBalance: "{2} 位啟用中的使用者有 {1} 位餘額為零，將被拒絕。",
        .modeUnpricedStayFree: "沒有費率的模型仍可免費呼叫（allow_unpriced_models 已開啟）。",
        .modeNoUnpricedModels: "過去 30 天使用的模型都有費率：沒有模型會被拒絕。",
        .modeUnpricedRefused: "過去 30 天使用的模型中有 {1} 個沒有費率，將被拒絕：{2}",
        .modeStarterCredits: "新使用者將獲得 {1} 點初始點數。",
        .modeStarterOff: "初始點數已關閉：新使用者從 0 點開始。",
        .modeInFlightFinish: "進行中的請求會以 {1} 模式完成。",
        .modeCreditChecksStop: "停止點數檢查：每位啟用中的使用者都可呼叫所有模型；用量連同預估成本一併記錄。",
        .modeBalancesKept: "餘額保持不變（共 {1} 點），切換回來時重新生效。",
        .modeNoticesOff: "不再套用初始點數、付款連結與低餘額通知。",
        .userExists: "已有名為「{1}」的使用者",
        .providerExists: "已有名為「{1}」的供應商",
        .credentialExists: "供應商「{1}」已有名為「{2}」的憑證",
        .balanceTooLow: "{1} 的餘額為 {2} 點：扣除 {3} 點後將剩 {4} 點",
    ]

    static let traditionalChineseErrorCodes: [HubError.Code: String] = [
        .invalidArgument: "參數無效",
        .notFound: "找不到",
        .alreadyExists: "已存在",
        .insufficientBalance: "餘額不足",
        .duplicate: "已套用過，不重複套用",
        .failedPrecondition: "目前狀態不允許此操作",
        .secretKey: "金鑰錯誤",
        .permissionDenied: "沒有權限",
        .storage: "資料庫錯誤",
        .unavailable: "無法連線到中樞",
        .internal: "內部錯誤",
    ]

    static let traditionalChineseLedgerKinds: [LedgerKind: String] = [
        .grant: "加值", .purchase: "購買", .usage: "使用", .adjustment: "調整", .refund: "退款",
    ]
}
