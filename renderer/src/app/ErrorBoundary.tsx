import { Component, type ErrorInfo, type ReactNode } from 'react';
import { reportError } from '../errors';

interface State {
  error: Error | null;
}

/** A rendering bug shows as a message with a way back, never as a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; area: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    reportError(`${this.props.area} failed to render`, { error, componentStack: info.componentStack });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="notice notice--error" role="alert">
        <div className="notice__text">
          The {this.props.area} failed to render: {this.state.error.message}
        </div>
        <button type="button" className="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
