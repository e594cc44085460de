import { Component } from 'react';
import wxs from 'wx-subscribe';

// The wasm path is given once, at launch; refresh() retries init() with it.
wxs.init({ path: '/wx-subscribe/wx_subscribe_bg.wasm' }).catch(() => {});

class App extends Component {
  render() {
    return this.props.children;
  }
}

export default App;
