/// Every piece of text the console shows, by meaning. The translations are in `Strings+English.swift`
/// and `Strings+TraditionalChinese.swift`; a test checks that every phrase has both.
public enum Phrase: String, CaseIterable, Sendable {
    case paneMode, paneProviders, paneUsers, panePricing, paneLive, appName, endpointSocket, endpointDatabase
    case readOnlyBadge, modeLabel, tooSmall, updatedAgo, loading, noRows, helpPanes, helpNextPane
    case helpPreviousPane, helpUp, helpDown, helpTop, helpBottom, helpPageUp, helpPageDown, helpFilter
    case helpCommand, helpRefresh, helpHelp, helpBack, helpQuit, helpSwitchMode, helpEditSetting
    case helpFocusCredentials, helpAddProvider, helpAddCredential, helpToggleEnabled, helpRemove
    case helpOpenUser, helpGrant, helpDeduct, helpSuspend, helpCreateKey, helpRevokeKey, helpAddUser
    case helpRateHistory, helpSetRate, helpEditRate, helpRemoveRate, helpPause, helpTitle, helpGlobalSection
    case helpCommandsLine, closeHint, formHint, confirmHint, confirmTypedHint, readOnlyRefused, livePaused
    case liveResumed, unknownCommand, cancelled, typeToConfirm, formAddProvider, formAddCredential
    case formAddUser, formGrant, formDeduct, formCreateKey, formRate, fieldName, fieldKind, fieldBaseURL
    case fieldSecret, fieldWeight, fieldEmail, fieldAmount, fieldReason, fieldKeyName, fieldModel
    case fieldInputRate, fieldOutputRate, fieldInputCost, fieldOutputCost, fieldRequired, reasonRequired
    case badAmount, badNumber, badKind, confirmGrantTitle, confirmDeductTitle, effectBalance, effectReason
    case warnBelowZero, confirmSuspendTitle, confirmResumeTitle, effectStatus, openUserForKeys
    case confirmRevokeTitle, effectRevoke, confirmSettingTitle, effectChange, confirmEnableTitle
    case confirmDisableTitle, effectProviderDisabled, confirmRemoveTitle, effectRemoveCredential
    case effectRemoveProvider, effectRemoveRate, confirmRateTitle, effectRate, effectCost, effectMargin
    case confirmModeTitle, settingStarterEnabled, settingStarterCredits, settingPaymentLink
    case settingLowBalance, settingAllowUnpriced, on, off, historyTitle, current, margin, keyCreatedTitle
    case keyShownOnce, themeSet, liveDropped, doneMode, doneSetting, doneAddUser, doneGrant, doneDeduct
    case doneSuspend, doneResume, doneCreateKey, doneRevoke, doneAddProvider, doneEnabled, doneDisabled
    case doneRemoved, doneAddCredential, doneRate, modeCurrent, modeEnterprise, modeServiceProvider
    case modeEnterpriseMeaning, modeServiceMeaning, modeSwitchHint, settingsTitle, colName, colEmail
    case colStatus, colBalance, colSpend, colKind, colBaseURL, colEnabled, colCredentials, colErrors
    case colLatency, colWeight, colSecret, colLastError, colModel, colType, colCost, colRate, colMargin
    case colUser, colTokens, colCredits, colRequests, colTime, colKey, colLastUsed, colAmount, colAfter
    case colReason, credentialsOf, statusActive, statusSuspended, statusRevoked, noRate, unpricedCount
    case keysTitle, ledgerTitle, spendMonth, liveRequests, liveTokens, liveCredits, liveErrors, liveLatency
    case liveInFlight, topUsers, topModels, topProviders, recentCalls, pausedBadge, liveBadge, never
    case helpEditProvider
    case formEditProvider
    case fieldDisplayName
    case confirmEditTitle
    case doneUpdated
    case helpSearch
    case noSuchUser
    case noLowBalanceThreshold
    case liveNoKey, liveUnknownModel
    // Governance
    case govPaneTeams, govAllowed, govAny, govBadDate, govBadLimit, govBadMonth, govBadPeriod, govBadSoft
    case govBudgetLine, govBudgetTitle, govBudgetsTitle, govByModel, govByTeam, govByUser, govChargebackTitle
    case govColBudget, govColKeys, govColLimits, govColMembers, govColProviderCost, govColResets, govColSoft
    case govColSpent, govColTeam, govColTokensIn, govColTokensOut, govConfirmBudget, govConfirmLimits, govConfirmScope
    case govDoneBudget, govDoneLimits, govDoneScope, govEffectAmount, govEffectCIDRs, govEffectExpires, govEffectModels
    case govEffectSoft, govEffectSpent, govExportTitle, govExported, govFieldAmount, govFieldCIDRs, govFieldConcurrency
    case govFieldExpires, govFieldModels, govFieldPath, govFieldPeriod, govFieldRPM, govFieldSoft, govFieldTPM
    case govHelpBudget, govHelpChargeback, govHelpExport, govHelpGroupBy, govHelpLimits, govHelpNextMonth
    case govHelpPreviousMonth, govHelpScope, govLastMinute, govLimitFits, govLimitRequired, govLimitsLine
    case govLimitsTitle, govMembersTitle, govNoBudgets, govNoLimits, govNoTeams, govNoUsage, govNothingChanged
    case govPeriodDay, govPeriodMonth, govPeriodWeek, govScopeTitle, govTotal, govUnitCredits, govUnitUSD
    case govUnsupported, govWarnExpired, govWarnLimitRefusing, govWarnRefusing, govWarnSoft
    case govExportedTitle
}
