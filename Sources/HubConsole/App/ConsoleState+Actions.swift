import Foundation
import HubCore

/// The pane actions: each opens a form or a confirmation; nothing reaches the hub before the
/// user confirms.
extension ConsoleState {
    mutating func paneAction(_ action: Action) -> [Effect] {
        switch action {
        case .open where pane == .users:
            guard let user = selectedUser else { return [] }
            openUser = user.user.name
            keySelection = 0
            return [.load(.userDetail(user.user.name))]
        case .open where pane == .providers:
            if selectedProvider != nil { credentialsFocused.toggle(); credentialSelection = 0 }
        case .open where pane == .teams:
            return openSelectedTeam()
        case .governance(let action):
            return governanceAction(action)
        case .switchMode:
            guard let settings = data.settings else { return [] }
            let target: DeploymentMode = settings.mode == .enterprise ? .serviceProvider : .enterprise
            setStatus(strings(.loading), .ok)
            return [.load(.modePreview(target))]
        case .editSetting:
            editSetting()
        case .addProvider:
            form(.addProvider, .formAddProvider,
                 [(.fieldName, ""), (.fieldKind, ProviderKind.openAICompatible.rawValue), (.fieldBaseURL, "https://")])
        case .editProvider:
            guard let provider = selectedProvider?.info.provider, !credentialsFocused else { return [] }
            form(.editProvider(provider), .formEditProvider,
                 [(.fieldKind, provider.kind.rawValue), (.fieldBaseURL, provider.baseURL), (.fieldDisplayName, provider.displayName)],
                 titleArgument: provider.name)
        case .addCredential:
            guard let provider = selectedProvider else { return [] }
            let name = provider.info.provider.name
            form(.addCredential(provider: name), .formAddCredential, [(.fieldName, ""), (.fieldSecret, ""), (.fieldWeight, "100")],
                 masked: [1], titleArgument: name)
        case .toggleEnabled:
            toggleEnabled()
        case .remove:
            remove()
        case .addUser:
            form(.addUser, .formAddUser, [(.fieldName, ""), (.fieldEmail, "")])
        case .grant, .deduct:
            guard let user = selectedUser else { return [] }
            let name = user.user.name, balance = user.user.balance
            form(action == .grant ? .grant(user: name, balance: balance) : .deduct(user: name, balance: balance),
                 action == .grant ? .formGrant : .formDeduct, [(.fieldAmount, ""), (.fieldReason, "")], titleArgument: name)
        case .toggleSuspend:
            guard let user = selectedUser?.user else { return [] }
            let suspending = user.status == .active
            confirm(strings(suspending ? .confirmSuspendTitle : .confirmResumeTitle, user.name),
                    [strings(.effectStatus, user.status.rawValue, suspending ? UserStatus.suspended.rawValue : UserStatus.active.rawValue)],
                    suspending ? .suspend(user: user.name) : .resume(user: user.name))
        case .createKey:
            guard let user = selectedUser?.user else { return [] }
            form(.createKey(user: user.name), .formCreateKey, [(.fieldKeyName, "")], titleArgument: user.name)
        case .revokeKey:
            guard let detail = openUserDetail, !detail.keys.isEmpty else {
                setStatus(strings(.openUserForKeys), .warn)
                return []
            }
            let key = detail.keys[max(0, min(detail.keys.count - 1, keySelection))]
            confirm(strings(.confirmRevokeTitle, key.prefix), [strings(.effectRevoke, key.name, detail.user.name)],
                    .revokeKey(id: key.id ?? 0, prefix: key.prefix))
        case .setRate, .editRate:
            openRateForm(prefill: action == .editRate || { if case .unpriced = selectedPricingRow { true } else { false } }())
        case .rateHistory:
            guard let row = selectedPricingRow else { return [] }
            return [.load(.rateHistory(row.model))]
        case .billing(let action):
            return billingAction(action)
        default:
            break
        }
        return []
    }

    mutating func form(_ purpose: FormPurpose, _ title: Phrase, _ fields: [(Phrase, String)],
                               masked: Set<Int> = [], titleArgument: String = "") {
        modal = .form(FormModel(
            title: strings(title, titleArgument),
            fields: fields.enumerated().map { index, field in
                FormModel.Field(label: strings(field.0), input: TextField(field.1, masked: masked.contains(index)))
            },
            purpose: purpose))
    }

    mutating func confirm(_ title: String, _ lines: [String], _ mutation: Mutation, requiredWord: String? = nil) {
        modal = .confirm(ConfirmModel(title: title, lines: lines, requiredWord: requiredWord, mutation: mutation))
    }

    private mutating func editSetting() {
        guard let settings = data.settings else { return }
        let field = selectedSetting
        let current = SettingText.value(field, settings)
        switch field {
        case .starterCreditsEnabled, .allowUnpricedModels:
            let on = field == .starterCreditsEnabled ? settings.starterCreditsEnabled : settings.allowUnpricedModels
            confirm(strings(.confirmSettingTitle, strings(SettingText.label(field))),
                    [strings(.effectChange, SettingText.flag(on, strings), SettingText.flag(!on, strings))],
                    .setting(field == .starterCreditsEnabled ? .starterCreditsEnabled(!on) : .allowUnpricedModels(!on)))
        default:
            form(.setting(field, current: current), SettingText.label(field), [(SettingText.label(field), current)])
        }
    }

    private mutating func toggleEnabled() {
        if credentialsFocused, let credential = selectedCredential {
            confirm(strings(credential.enabled ? .confirmDisableTitle : .confirmEnableTitle, "\(credential.provider)/\(credential.name)"),
                    [strings(.effectChange, SettingText.flag(credential.enabled, strings), SettingText.flag(!credential.enabled, strings))],
                    .setCredentialEnabled(provider: credential.provider, credential: credential.name, !credential.enabled))
        } else if let provider = selectedProvider?.info.provider {
            confirm(strings(provider.enabled ? .confirmDisableTitle : .confirmEnableTitle, provider.name),
                    [strings(.effectChange, SettingText.flag(provider.enabled, strings), SettingText.flag(!provider.enabled, strings))]
                        + (provider.enabled ? [strings(.effectProviderDisabled)] : []),
                    .setProviderEnabled(provider.name, !provider.enabled))
        }
    }

    private mutating func remove() {
        switch pane {
        case .providers where credentialsFocused:
            guard let credential = selectedCredential else { return }
            confirm(strings(.confirmRemoveTitle, "\(credential.provider)/\(credential.name)"), [strings(.effectRemoveCredential)],
                    .removeCredential(provider: credential.provider, credential: credential.name))
        case .providers:
            guard let provider = selectedProvider else { return }
            let name = provider.info.provider.name
            let rates = data.rates.filter { $0.provider == name }.count
            confirm(strings(.confirmRemoveTitle, name), [strings(.effectRemoveProvider, String(provider.info.credentials), String(rates))],
                    .removeProvider(name), requiredWord: name)
        case .pricing:
            guard case .rate(let info) = selectedPricingRow else { return }
            confirm(strings(.confirmRemoveTitle, info.model), [strings(.effectRemoveRate)],
                    .removeRate(model: info.model, type: info.rate.type))
        default:
            break
        }
    }

    private mutating func openRateForm(prefill: Bool) {
        var values = ["", "", "", "", ""]
        if prefill, let row = selectedPricingRow {
            values[0] = row.model
            if case .rate(let info) = row {
                values[1...] = [info.rate.inputRate, info.rate.outputRate, info.rate.inputCost, info.rate.outputCost]
                    .map(\.description)[...]
            }
        }
        form(.rate, .formRate, zip([Phrase.fieldModel, .fieldInputRate, .fieldOutputRate, .fieldInputCost, .fieldOutputCost], values).map { ($0, $1) })
    }

    // MARK: - Modal keys

    mutating func handleModal(_ key: Key) -> [Effect] {
        switch modal {
        case .help, .message:
            if [.escape, .enter, .character("q"), .character("?"), .function(1)].contains(key) { modal = nil }
        case .form(var model):
            switch key {
            case .escape: modal = nil
            case .tab, .down: model.focus = (model.focus + 1) % model.fields.count; modal = .form(model)
            case .backTab, .up: model.focus = (model.focus + model.fields.count - 1) % model.fields.count; modal = .form(model)
            case .enter where model.focus < model.fields.count - 1:
                model.focus += 1
                modal = .form(model)
            case .enter:
                return submit(model)
            default:
                if model.fields[model.focus].input.handle(key) { model.error = nil; modal = .form(model) }
            }
        case .confirm(var model):
            if key == .escape || (model.requiredWord == nil && key == .character("n")) {
                modal = nil
                setStatus(strings(.cancelled), .warn)
            } else if let word = model.requiredWord {
                if key == .enter {
                    guard model.typed.text == word else {
                        setStatus(strings(.typeToConfirm, word), .error)
                        return []
                    }
                    modal = nil
                    return [.perform(model.mutation)]
                }
                if model.typed.handle(key) { modal = .confirm(model) }
            } else if key == .enter || key == .character("y") {
                modal = nil
                return [.perform(model.mutation)]
            }
        case nil:
            break
        }
        return []
    }

    private mutating func submit(_ model: FormModel) -> [Effect] {
        switch FormSubmit.evaluate(model, strings) {
        case .failure(let problem):
            var model = model
            model.error = problem.message
            modal = .form(model)
            return []
        case .success(.confirm(let title, let lines, let mutation)):
            confirm(title, lines, mutation)
            return []
        case .success(.perform(let mutation)):
            modal = nil
            return [.perform(mutation)]
        case .success(.load(let query)):
            if case .billing = query {
                // The hub's preview answers with the confirmation; the form stays until then.
                setStatus(strings(.loading), .ok)
            } else {
                modal = nil
            }
            return [.load(query)]
        }
    }
}
