/// Every piece of text the console shows, by meaning. The translations are in `Strings+English.swift`
/// and `Strings+TraditionalChinese.swift`; a test checks that every phrase has both.
public enum Phrase: String, CaseIterable, Sendable {
    case paneMode, paneProviders, paneUsers, panePricing, paneLive, appName, endpointSocket, endpointDatabase
    case readOnlyBadge, nodesBadge, modeLabel, tooSmall, updatedAgo, loading, noRows, helpPanes, helpNextPane
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
    // Billing
    case paneBilling
    case paneRevenue
    case billingPayments
    case billingPackages
    case billingPlans
    case billingSubscriptions
    case billingCodes
    case billingNotices
    case helpBillingNext
    case helpBillingPrevious
    case helpResolvePayment
    case helpDisableBilling
    case helpStartSubscription
    case helpCancelSubscription
    case helpCreateCodes
    case helpRevenuePeriod
    case paymentNotPending
    case formResolvePayment
    case fieldUser
    case fieldPackage
    case formStartSubscription
    case fieldPlan
    case noSubscriptionSelected
    case confirmCancelSubscription
    case effectCancelSubscription
    case formCreateCodes
    case fieldCount
    case fieldValue
    case fieldExpiresDays
    case fieldMaxPerUser
    case fieldNote
    case alreadyDisabled
    case effectPackageDisabled
    case effectPlanDisabled
    case codeBatchName
    case effectCodesDisabled
    case doneCreateCodes
    case codesCreatedTitle
    case effectPayment
    case effectPlanName
    case effectPackageName
    case effectCredits
    case warnPackageDisabled
    case effectRefundsWaiting
    case confirmResolveTitle
    case doneResolve
    case doneStartSubscription
    case doneCancelSubscription
    case unknownPlan
    case effectPlanRenewal
    case intervalMonth
    case intervalYear
    case confirmStartSubscription
    case badWholeNumber
    case confirmCreateCodes
    case effectCodesTotal
    case effectCodesExpire
    case effectCodesNoExpiry
    case effectCodesPerUser
    case effectCodesNoCap
    case effectCodesShownOnce
    case paymentPending
    case paymentApplied
    case colPackage
    case colPaid
    case colNote
    case colPrice
    case colBonus
    case colInterval
    case colRollover
    case colRunning
    case subscriptionActive
    case subscriptionPastDue
    case subscriptionCancelled
    case renewalHub
    case renewalProcessor
    case colPlan
    case colRenewal
    case colPeriodEnd
    case statusDisabledMark
    case colValue
    case colUsed
    case colExpires
    case colPerUser
    case noticeDelivered
    case noticeNextTry
    case colEndpoint
    case colAttempts
    case colDelivery
    case statusOnSale
    case revenuePerDay
    case revenuePerMonth
    case revenueTotal
    case revenueNote
    case colPeriod
    case colPurchases
    case colRefunds
    case colUsageCharged
    case colProviderCost
    case settingStarterExpiry, starterExpiryDays
}
