/// The key tables of the Billing pane (per view) and the Revenue pane. Read by the dispatcher, the
/// footer and `?` help alike, through ``KeyTable/pane(_:section:)``.
enum BillingKeys {
    static func bindings(_ section: BillingSection) -> [Binding] {
        var keys = [Binding([.right, .character("l"), .character("]")], .billing(.nextSection), .helpBillingNext),
                    Binding([.left, .character("h"), .character("[")], .billing(.previousSection), .helpBillingPrevious, footer: false)]
        switch section {
        case .payments:
            keys.append(Binding([.character("r"), .enter], .billing(.resolve), .helpResolvePayment, mutates: true))
        case .packages, .plans:
            keys.append(Binding([.character("d")], .billing(.disable), .helpDisableBilling, mutates: true))
        case .subscriptions:
            keys += [Binding([.character("a")], .billing(.startSubscription), .helpStartSubscription, mutates: true),
                     Binding([.character("x")], .billing(.cancelSubscription), .helpCancelSubscription, mutates: true)]
        case .codes:
            keys += [Binding([.character("a")], .billing(.createCodes), .helpCreateCodes, mutates: true),
                     Binding([.character("d")], .billing(.disable), .helpDisableBilling, mutates: true)]
        case .notices:
            break
        }
        return keys
    }

    static let revenue = [Binding([.character("m")], .billing(.revenuePeriod), .helpRevenuePeriod)]
}
